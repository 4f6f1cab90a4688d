// Chainsight charts: specs are JSON next to each chart (no inline script; CSP 'self').
(function () {
  "use strict";
  var palette = ["#1f4e79", "#e07b39", "#4a9d5b", "#c62828", "#7b5ea7", "#2a9bb7", "#b8860b", "#8c564b"];

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // axis ticks read like the figures: 15万 / 1.2亿 in Chinese, 150K / 1.2M in English
  function compact(v) {
    var a = Math.abs(v), zh = document.body.dataset.lang === "zh";
    var steps = zh ? [[1e8, "亿"], [1e4, "万"]] : [[1e9, "B"], [1e6, "M"], [1e3, "K"]];
    for (var i = 0; i < steps.length; i++) {
      if (a >= steps[i][0]) return +(v / steps[i][0]).toFixed(2) + steps[i][1];
    }
    return String(+v.toFixed(2));
  }
  function valueAxis(unit) {
    return { type: "value", axisLabel: { formatter: unit === "pct" ? function (v) { return Math.round(v * 100) + "%"; } : compact } };
  }

  // what the reader sees for each member: its name when the page sent one, else its code
  function shown(spec) { return spec.names || spec.categories; }

  function seriesOption(spec) {
    var hasPct = spec.series.some(function (s) { return s.axis === 1; });
    return {
      color: palette,
      tooltip: {
        trigger: "axis", confine: true,
        formatter: function (items) {
          var i = items[0].dataIndex, out = "<b>" + esc(shown(spec)[i]) + "</b>";
          spec.series.forEach(function (s) {
            out += "<br>" + esc(s.name) + ": <b>" + esc(s.labels[i]) + "</b>";
          });
          out += spec.series.map(function (s) {
            return '<div style="max-width:320px;white-space:normal;color:#6b7785;font-size:12px;margin-top:4px">' +
              esc(s.name) + " — " + esc(s.description) + "</div>";
          }).join("");
          return out;
        }
      },
      legend: { top: 0, data: spec.series.map(function (s) { return s.name; }) },
      grid: { left: 60, right: hasPct ? 50 : 20, top: 36, bottom: 30 },
      xAxis: { type: "category", data: shown(spec) },
      yAxis: hasPct ? [valueAxis(spec.series[0].unit), Object.assign(valueAxis("pct"), { splitLine: { show: false } })] : [valueAxis(spec.series[0].unit)],
      series: spec.series.map(function (s) {
        return { name: s.name, type: s.type, yAxisIndex: s.axis, data: s.values, smooth: s.type === "line", barMaxWidth: 28 };
      })
    };
  }

  function tooltipFor(spec) {
    return function (p) {
      return "<b>" + esc(p.name) + "</b><br>" + esc(spec.name) + ": <b>" + esc(spec.labels[p.dataIndex]) + "</b>" +
        (spec.kind === "pie" ? " (" + p.percent + "%)" : "") +
        '<div style="max-width:320px;white-space:normal;color:#6b7785;font-size:12px;margin-top:4px">' + esc(spec.description) + "</div>";
    };
  }

  function pieOption(spec) {
    return {
      color: palette,
      tooltip: { trigger: "item", confine: true, formatter: tooltipFor(spec) },
      legend: { type: "scroll", orient: "vertical", right: 0, top: "middle" },
      series: [{ type: "pie", radius: ["34%", "60%"], center: ["42%", "50%"], name: spec.name,
        minShowLabelAngle: 12, label: { formatter: "{b} {d}%" },
        data: shown(spec).map(function (c, i) { return { name: c, value: spec.values[i] }; }) }]
    };
  }

  function barOption(spec) {
    return {
      color: palette,
      tooltip: { trigger: "item", confine: true, formatter: tooltipFor(spec) },
      grid: { left: 60, right: 20, top: 16, bottom: 60 },
      xAxis: { type: "category", data: shown(spec), axisLabel: { rotate: 40, interval: 0 } },
      yAxis: valueAxis(spec.unit),
      series: [{ type: "bar", name: spec.name, data: spec.values, barMaxWidth: 28 }]
    };
  }

  function render(el) {
    if (!window.echarts) return;
    var node = document.getElementById(el.getAttribute("data-spec"));
    if (!node) return;
    var spec = JSON.parse(node.textContent);
    if (spec.empty) {
      el.innerHTML = '<p class="muted">' + (document.body.dataset.lang === "zh" ? "暂无数据" : "No data") + "</p>";
      el.style.height = "auto";
      return;
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var opt = spec.kind === "series" ? seriesOption(spec) : spec.kind === "pie" ? pieOption(spec) : barOption(spec);
    opt.animation = false; // figures appear at once, and screenshots show final values
    chart.setOption(opt);
    if (spec.drill) {
      chart.on("click", function (p) {
        window.location.href = spec.drill.replace("{}", encodeURIComponent(spec.categories[p.dataIndex]));
      });
    }
    el.dataset.ready = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".chart[data-spec]").forEach(render);
    // keyboard users open a figure's "why" panel with Enter, like a click
    document.addEventListener("keyup", function (e) {
      if (e.key === "Enter" && e.target.classList && e.target.classList.contains("kpi")) e.target.click();
    });
  });
})();

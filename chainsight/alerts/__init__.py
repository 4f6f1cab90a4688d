"""Alerts: a validated catalog of rules over the metrics and analyses, alert states with history
(open → acknowledged → resolved, deduplicated across runs), and delivery to webhooks, WeCom, DingTalk,
Feishu and email.

>>> from chainsight.alerts import load_rules
>>> "expiry_risk_lot" in load_rules().ids
True
"""

from chainsight.alerts._config import CHANNEL_TYPES, EVENTS, Channel, DeliveryConfig, Retry, Route
from chainsight.alerts._delivery import (
    DeliveryError,
    DeliveryReport,
    dead_letters,
    deliver,
    deliveries,
    delivery_log,
    dingtalk_sign,
    feishu_sign,
    requeue,
    webhook_signature,
)
from chainsight.alerts._rules_eval import Finding, NotEvaluable, fingerprint
from chainsight.alerts._spec import KINDS, OWNER_ROLES, SEVERITIES, Kind, Rule, RuleSet, load_rules
from chainsight.alerts._state import (
    ACTIVE,
    STATES,
    Alert,
    EvaluationResult,
    RuleOutcome,
    acknowledge,
    alert_history,
    evaluate,
    get_alert,
    list_alerts,
    render,
    resolve,
    top_alerts,
    visible,
)

__all__ = [
    "ACTIVE",
    "CHANNEL_TYPES",
    "EVENTS",
    "KINDS",
    "OWNER_ROLES",
    "SEVERITIES",
    "STATES",
    "Alert",
    "Channel",
    "DeliveryConfig",
    "DeliveryError",
    "DeliveryReport",
    "EvaluationResult",
    "Finding",
    "Kind",
    "NotEvaluable",
    "Retry",
    "Route",
    "Rule",
    "RuleOutcome",
    "RuleSet",
    "acknowledge",
    "alert_history",
    "dead_letters",
    "deliver",
    "deliveries",
    "delivery_log",
    "dingtalk_sign",
    "evaluate",
    "feishu_sign",
    "fingerprint",
    "get_alert",
    "list_alerts",
    "load_rules",
    "render",
    "requeue",
    "resolve",
    "top_alerts",
    "visible",
    "webhook_signature",
]

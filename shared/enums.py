"""Product enums (SPEC A3, B2, B5, D1, E1, E3, K1); each value has a zh-CN and an en label."""

from enum import IntEnum, StrEnum
from typing import Literal, NamedTuple

Language = Literal["zh-CN", "en"]


class Label(NamedTuple):
    zh_cn: str
    en: str

    def text(self, language: Language) -> str:
        return self.zh_cn if language == "zh-CN" else self.en


class TicketStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    AWAITING_USER = "awaiting_user"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class TicketType(StrEnum):
    TECHNICAL = "technical"
    ACCOUNT = "account"
    ORDER = "order"
    PRODUCT = "product"
    COMPLAINT = "complaint"


class Category(StrEnum):
    CONNECTION = "connection"
    CONFIGURATION = "configuration"
    PERFORMANCE = "performance"
    COMPATIBILITY = "compatibility"
    TUTORIAL = "tutorial"
    LOGIN = "login"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a category, not a secret
    SECURITY = "security"
    PROFILE_CHANGE = "profile_change"
    ACCOUNT_DELETION = "account_deletion"
    ORDER_QUERY = "order_query"
    PAYMENT = "payment"
    REFUND = "refund"
    INVOICE = "invoice"
    ORDER_CHANGE = "order_change"
    FEATURES = "features"
    PLAN_SELECTION = "plan_selection"
    USAGE_ADVICE = "usage_advice"
    UPGRADE = "upgrade"
    PRICING = "pricing"
    SERVICE_COMPLAINT = "service_complaint"
    PRODUCT_SUGGESTION = "product_suggestion"
    FEATURE_REQUEST = "feature_request"
    EXPERIENCE_FEEDBACK = "experience_feedback"


class AutoAnswerOutcome(StrEnum):
    """What the automatic FAQ answer of a new ticket came to (G1)."""

    REPLIED = "replied"
    NO_MATCH = "no_match"  # no article scored high enough
    UNAVAILABLE = "unavailable"  # the knowledge service did not answer
    DISABLED = "disabled"


class CloseReason(StrEnum):
    CONFIRMED = "confirmed"
    AUTO_RESOLVED = "auto_resolved"
    NO_RESPONSE = "no_response"
    INVALID = "invalid"
    NO_ACTION = "no_action"
    DUPLICATE = "duplicate"


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"


class EscalationLevel(IntEnum):
    """Escalation levels are numbers in the API (0 frontline … 3 management)."""

    FRONTLINE = 0
    SENIOR_SUPPORT = 1
    TECHNICAL_TEAM = 2
    MANAGEMENT = 3


class StandardGroup(StrEnum):
    """The groups every installation has; one per escalation level (SPEC D1)."""

    FRONTLINE = "frontline"
    SENIOR_SUPPORT = "senior_support"
    TECHNICAL_TEAM = "technical_team"
    MANAGEMENT = "management"


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SENIOR = "senior"
    TECH = "tech"
    MANAGER = "manager"
    ADMIN = "admin"
    SYSTEM = "system"  # automatic steps in a ticket's history


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


CATEGORIES_BY_TYPE: dict[TicketType, tuple[Category, ...]] = {
    TicketType.TECHNICAL: (
        Category.CONNECTION,
        Category.CONFIGURATION,
        Category.PERFORMANCE,
        Category.COMPATIBILITY,
        Category.TUTORIAL,
    ),
    TicketType.ACCOUNT: (
        Category.LOGIN,
        Category.PASSWORD_RESET,
        Category.SECURITY,
        Category.PROFILE_CHANGE,
        Category.ACCOUNT_DELETION,
    ),
    TicketType.ORDER: (
        Category.ORDER_QUERY,
        Category.PAYMENT,
        Category.REFUND,
        Category.INVOICE,
        Category.ORDER_CHANGE,
    ),
    TicketType.PRODUCT: (
        Category.FEATURES,
        Category.PLAN_SELECTION,
        Category.USAGE_ADVICE,
        Category.UPGRADE,
        Category.PRICING,
    ),
    TicketType.COMPLAINT: (
        Category.SERVICE_COMPLAINT,
        Category.PRODUCT_SUGGESTION,
        Category.FEATURE_REQUEST,
        Category.EXPERIENCE_FEEDBACK,
    ),
}

LABELS: dict[StrEnum | EscalationLevel, Label] = {
    TicketStatus.PENDING: Label("待处理", "Pending"),
    TicketStatus.PROCESSING: Label("处理中", "Processing"),
    TicketStatus.AWAITING_USER: Label("待用户", "Awaiting customer"),
    TicketStatus.RESOLVED: Label("已解决", "Resolved"),
    TicketStatus.CLOSED: Label("已关闭", "Closed"),
    Priority.URGENT: Label("紧急", "Urgent"),
    Priority.HIGH: Label("高", "High"),
    Priority.NORMAL: Label("中", "Normal"),
    Priority.LOW: Label("低", "Low"),
    TicketType.TECHNICAL: Label("技术支持", "Technical support"),
    TicketType.ACCOUNT: Label("账户问题", "Account"),
    TicketType.ORDER: Label("订单问题", "Order"),
    TicketType.PRODUCT: Label("产品咨询", "Product enquiry"),
    TicketType.COMPLAINT: Label("投诉建议", "Complaint or suggestion"),
    Category.CONNECTION: Label("连接问题", "Connection"),
    Category.CONFIGURATION: Label("配置问题", "Configuration"),
    Category.PERFORMANCE: Label("性能问题", "Performance"),
    Category.COMPATIBILITY: Label("兼容性问题", "Compatibility"),
    Category.TUTORIAL: Label("使用教程", "How-to"),
    Category.LOGIN: Label("登录问题", "Login"),
    Category.PASSWORD_RESET: Label("密码重置", "Password reset"),
    Category.SECURITY: Label("账户安全", "Account security"),
    Category.PROFILE_CHANGE: Label("信息修改", "Profile change"),
    Category.ACCOUNT_DELETION: Label("账户注销", "Account deletion"),
    Category.ORDER_QUERY: Label("订单查询", "Order status"),
    Category.PAYMENT: Label("支付问题", "Payment"),
    Category.REFUND: Label("退款申请", "Refund"),
    Category.INVOICE: Label("发票开具", "Invoice"),
    Category.ORDER_CHANGE: Label("订单修改", "Order change"),
    Category.FEATURES: Label("产品功能", "Features"),
    Category.PLAN_SELECTION: Label("套餐选择", "Choosing a plan"),
    Category.USAGE_ADVICE: Label("使用建议", "Usage advice"),
    Category.UPGRADE: Label("升级方案", "Upgrade"),
    Category.PRICING: Label("价格政策", "Pricing"),
    Category.SERVICE_COMPLAINT: Label("服务投诉", "Service complaint"),
    Category.PRODUCT_SUGGESTION: Label("产品建议", "Product suggestion"),
    Category.FEATURE_REQUEST: Label("功能需求", "Feature request"),
    Category.EXPERIENCE_FEEDBACK: Label("体验反馈", "Experience feedback"),
    CloseReason.CONFIRMED: Label("用户确认", "Confirmed by customer"),
    CloseReason.AUTO_RESOLVED: Label("自动关闭", "Closed automatically"),
    CloseReason.NO_RESPONSE: Label("用户未回复", "No response from customer"),
    CloseReason.INVALID: Label("无效工单", "Invalid"),
    CloseReason.NO_ACTION: Label("无需处理", "No action needed"),
    CloseReason.DUPLICATE: Label("重复工单", "Duplicate"),
    SlaState.ON_TRACK: Label("正常", "On track"),
    SlaState.AT_RISK: Label("即将超时", "At risk"),
    SlaState.BREACHED: Label("已超时", "Breached"),
    SlaState.PAUSED: Label("已暂停", "Paused"),
    SlaState.MET: Label("已达成", "Met"),
    EscalationLevel.FRONTLINE: Label("一线支持", "Frontline"),
    EscalationLevel.SENIOR_SUPPORT: Label("高级支持", "Senior support"),
    EscalationLevel.TECHNICAL_TEAM: Label("技术团队", "Technical team"),
    EscalationLevel.MANAGEMENT: Label("管理层", "Management"),
    StandardGroup.FRONTLINE: Label("一线支持", "Frontline"),
    StandardGroup.SENIOR_SUPPORT: Label("高级支持", "Senior support"),
    StandardGroup.TECHNICAL_TEAM: Label("技术团队", "Technical team"),
    StandardGroup.MANAGEMENT: Label("管理层", "Management"),
    Role.CUSTOMER: Label("客户", "Customer"),
    Role.AGENT: Label("客服", "Agent"),
    Role.SENIOR: Label("高级客服", "Senior agent"),
    Role.TECH: Label("技术支持工程师", "Technical team"),
    Role.MANAGER: Label("主管", "Manager"),
    Role.ADMIN: Label("管理员", "Administrator"),
    Role.SYSTEM: Label("系统", "System"),
    Visibility.PUBLIC: Label("公开回复", "Public reply"),
    Visibility.INTERNAL: Label("内部备注", "Internal note"),
}


def label(value: StrEnum | EscalationLevel, language: Language = "en") -> str:
    """The label of an enum value in the given language."""
    return LABELS[value].text(language)


class ApiKeyScope(StrEnum):
    """What a client system's API key may do (keys issued before scopes existed may do
    all of it)."""

    FILE_TICKETS = "tickets:file"  # file tickets for customers, upload their files
    READ_TICKETS = "tickets:read"  # read the tickets it filed
    ACT_ON_TICKETS = "tickets:act"  # reply and act on them for their customers

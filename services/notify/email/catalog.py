"""The words of every notification (SPEC J2), in Chinese and English: a subject and the
lines of its message. `{number}`, `{title}`, `{status}`, `{clock}` are filled in."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    subject: str
    lines: tuple[str, ...]


STATUS = {
    "zh-CN": {
        "pending": "待处理",
        "processing": "处理中",
        "awaiting_user": "等待您的回复",
        "resolved": "已解决",
        "closed": "已关闭",
    },
    "en": {
        "pending": "pending",
        "processing": "in progress",
        "awaiting_user": "waiting for your reply",
        "resolved": "resolved",
        "closed": "closed",
    },
}
CLOCK = {
    "zh-CN": {"response": "首次响应", "resolution": "解决时限"},
    "en": {"response": "first response", "resolution": "resolution"},
}

ZH = {
    "received": Wording(
        "【工单 #{number}】我们已收到您的问题",
        ("您的工单“{title}”已受理，客服人员会尽快处理。", "您可以随时在工单页面补充信息。"),
    ),
    "assigned": Wording("【工单 #{number}】已分配给您", ("工单“{title}”已分配给您，请及时处理。",)),
    "replied": Wording("【工单 #{number}】有新回复", ("工单“{title}”有一条新回复。",)),
    "internal_note": Wording(
        "【工单 #{number}】有新的内部备注", ("工单“{title}”有一条新的内部备注。",)
    ),
    "status_changed": Wording(
        "【工单 #{number}】状态更新：{status}", ("工单“{title}”的状态已更新为：{status}。",)
    ),
    "reminder": Wording(
        "【工单 #{number}】等待您的回复",
        ("工单“{title}”正在等待您补充信息。", "如长时间未回复，工单将自动关闭。"),
    ),
    "sla_warning": Wording(
        "【工单 #{number}】SLA 即将到期（{clock}）",
        ("工单“{title}”的{clock}时限即将到期，请尽快处理。",),
    ),
    "sla_breach": Wording(
        "【工单 #{number}】SLA 已超时（{clock}）",
        ("工单“{title}”已超出{clock}时限，已按规则升级。",),
    ),
    "escalated": Wording(
        "【工单 #{number}】已升级到您的小组", ("工单“{title}”已升级，请您的小组跟进。",)
    ),
    "resolved": Wording(
        "【工单 #{number}】已解决，请确认",
        (
            "工单“{title}”已标记为已解决。",
            "如果问题已解决，请在工单页面确认并为本次服务评分；如果没有解决，可以重新打开工单。",
            "若 3 天内未确认，工单将自动关闭。",
        ),
    ),
    "closed": Wording("【工单 #{number}】已关闭", ("工单“{title}”已关闭。感谢您的耐心。",)),
    "auto_closed": Wording(
        "【工单 #{number}】已自动关闭",
        ("工单“{title}”因超时未确认或未回复，已自动关闭。", "如仍有问题，可重新打开或提交新工单。"),
    ),
}

EN = {
    "received": Wording(
        "[Ticket #{number}] We have received your request",
        (
            'Your ticket "{title}" has been received; an agent will pick it up soon.',
            "You can add information on the ticket page at any time.",
        ),
    ),
    "assigned": Wording(
        "[Ticket #{number}] Assigned to you", ('Ticket "{title}" has been assigned to you.',)
    ),
    "replied": Wording("[Ticket #{number}] New reply", ('There is a new reply on "{title}".',)),
    "internal_note": Wording(
        "[Ticket #{number}] New internal note", ('There is a new internal note on "{title}".',)
    ),
    "status_changed": Wording(
        "[Ticket #{number}] Status: {status}", ('Ticket "{title}" is now {status}.',)
    ),
    "reminder": Wording(
        "[Ticket #{number}] Waiting for your reply",
        (
            'Ticket "{title}" is waiting for information from you.',
            "Without a reply it will be closed automatically.",
        ),
    ),
    "sla_warning": Wording(
        "[Ticket #{number}] SLA due soon ({clock})",
        ('The {clock} target of "{title}" is due soon.',),
    ),
    "sla_breach": Wording(
        "[Ticket #{number}] SLA breached ({clock})",
        ('The {clock} target of "{title}" was missed; the ticket has been escalated.',),
    ),
    "escalated": Wording(
        "[Ticket #{number}] Escalated to your group",
        ('Ticket "{title}" was escalated; your group is now responsible.',),
    ),
    "resolved": Wording(
        "[Ticket #{number}] Resolved: please confirm",
        (
            'Ticket "{title}" has been marked resolved.',
            "If it is solved, confirm and rate our service on the ticket page; if not, reopen it.",
            "Without a confirmation it closes automatically after 3 days.",
        ),
    ),
    "closed": Wording(
        "[Ticket #{number}] Closed", ('Ticket "{title}" is closed. Thank you for your patience.',)
    ),
    "auto_closed": Wording(
        "[Ticket #{number}] Closed automatically",
        (
            'Ticket "{title}" was closed automatically after no confirmation or reply.',
            "If the problem remains, reopen it or file a new ticket.",
        ),
    ),
}

WORDING = {"zh-CN": ZH, "en": EN}

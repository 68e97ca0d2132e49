"""The domain's persistent models, one module per aggregate."""
from backend.models.areas import Area, AreaChronicDisease, AreaPolicy, ReimbursementRule
from backend.models.audit import AuditEntry
from backend.models.dialogs import DialogSession
from backend.models.diseases import Disease
from backend.models.documents import Document
from backend.models.filings import Filing, FilingInstitution
from backend.models.institutions import Institution, InstitutionDisease, InstitutionNameKey
from backend.models.outbox import OutboxMessage
from backend.models.people import FamilyLink, Person, Qualification, WeChatIdentity
from backend.models.settlement import CatalogueItem, SettlementEstimate, SettlementFiling, SettlementRegistration
from backend.models.security import StaffLoginFailure, UsedOnceKey
from backend.models.staff import StaffUser
from backend.models.wechat import WeChatInboundMessage, WeChatOutboundMessage, WeChatSubscription

__all__ = [
    "Area", "AreaChronicDisease", "AreaPolicy", "ReimbursementRule", "AuditEntry", "DialogSession",
    "Disease", "Document", "Filing", "FilingInstitution", "Institution", "InstitutionDisease", "InstitutionNameKey",
    "OutboxMessage", "CatalogueItem", "SettlementEstimate", "SettlementFiling", "SettlementRegistration",
    "FamilyLink", "Person", "Qualification", "WeChatIdentity", "StaffUser", "StaffLoginFailure", "UsedOnceKey",
    "WeChatInboundMessage", "WeChatOutboundMessage", "WeChatSubscription",
]

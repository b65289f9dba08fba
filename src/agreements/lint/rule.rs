//! The list of lint rules: each has a stable kebab-case code (what `--format json` and
//! `docs/agreements.md` use) and a fixed severity. Only names; the checks are elsewhere.

use super::Severity;

/// Every lint rule. Codes never change once published; new rules get new codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    // Errors: the set is refused.
    YamlSyntax,
    DuplicateKey,
    UnknownKey,
    MissingKey,
    WrongType,
    InvalidValue,
    UnreadableFile,
    DuplicateId,
    UnknownParty,
    FlowPartyNotListed,
    FlowToSelf,
    UnknownPurpose,
    BadSchemaName,
    SchemaNotFound,
    SchemaNotJson,
    SchemaInvalid,
    MissingDpia,
    ExpiresBeforeEffective,
    UnknownTransform,
    UnknownCategory,
    BadSubjectId,
    UnboundedSubjectArray,
    UnknownAnnotation,
    OverlappingFlows,
    UnknownEmergencyCategory,
    InvalidMethod,
    InvalidPath,
    InvalidEncoding,
    InvalidLimit,
    UnknownLawfulBasis,
    LawfulBasisWrongList,
    LawfulBasisIncomplete,
    LawfulBasisWrongRegime,
    MissingLawfulBasis,
    VersionNotIncreased,
    UnapprovedChange,
    Expired,
    ReviewBeforeEffective,
    DpiaOutcomeWithoutDpia,
    // Warnings: advice.
    PartiesNotChecked,
    OverlappingAgreements,
    SpecialCategoryWithoutArticle9,
    CriminalOffenceWithoutArticle10,
    ClosedSchema,
    ReviewOverdue,
    ExpiringSoon,
    UnusedPurpose,
    InternationalTransferWithoutSafeguard,
    RecipientWithoutUpstream,
    IgnoredFile,
    MissingPolicyDocument,
    LegitimateInterestsByPublicAuthority,
    ResidualHighRisk,
    DpoConsultedLate,
}

impl Rule {
    /// Every rule, errors first, in documentation order.
    pub const ALL: &'static [Rule] = &[
        Self::YamlSyntax,
        Self::DuplicateKey,
        Self::UnknownKey,
        Self::MissingKey,
        Self::WrongType,
        Self::InvalidValue,
        Self::UnreadableFile,
        Self::DuplicateId,
        Self::UnknownParty,
        Self::FlowPartyNotListed,
        Self::FlowToSelf,
        Self::UnknownPurpose,
        Self::BadSchemaName,
        Self::SchemaNotFound,
        Self::SchemaNotJson,
        Self::SchemaInvalid,
        Self::MissingDpia,
        Self::ExpiresBeforeEffective,
        Self::UnknownTransform,
        Self::UnknownCategory,
        Self::BadSubjectId,
        Self::UnboundedSubjectArray,
        Self::UnknownAnnotation,
        Self::OverlappingFlows,
        Self::UnknownEmergencyCategory,
        Self::InvalidMethod,
        Self::InvalidPath,
        Self::InvalidEncoding,
        Self::InvalidLimit,
        Self::UnknownLawfulBasis,
        Self::LawfulBasisWrongList,
        Self::LawfulBasisIncomplete,
        Self::LawfulBasisWrongRegime,
        Self::MissingLawfulBasis,
        Self::VersionNotIncreased,
        Self::UnapprovedChange,
        Self::Expired,
        Self::ReviewBeforeEffective,
        Self::DpiaOutcomeWithoutDpia,
        Self::PartiesNotChecked,
        Self::OverlappingAgreements,
        Self::SpecialCategoryWithoutArticle9,
        Self::CriminalOffenceWithoutArticle10,
        Self::ClosedSchema,
        Self::ReviewOverdue,
        Self::ExpiringSoon,
        Self::UnusedPurpose,
        Self::InternationalTransferWithoutSafeguard,
        Self::RecipientWithoutUpstream,
        Self::IgnoredFile,
        Self::MissingPolicyDocument,
        Self::LegitimateInterestsByPublicAuthority,
        Self::ResidualHighRisk,
        Self::DpoConsultedLate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::YamlSyntax => "yaml-syntax",
            Self::DuplicateKey => "duplicate-key",
            Self::UnknownKey => "unknown-key",
            Self::MissingKey => "missing-key",
            Self::WrongType => "wrong-type",
            Self::InvalidValue => "invalid-value",
            Self::UnreadableFile => "unreadable-file",
            Self::DuplicateId => "duplicate-id",
            Self::UnknownParty => "unknown-party",
            Self::FlowPartyNotListed => "flow-party-not-listed",
            Self::FlowToSelf => "flow-to-self",
            Self::UnknownPurpose => "unknown-purpose",
            Self::BadSchemaName => "bad-schema-name",
            Self::SchemaNotFound => "schema-not-found",
            Self::SchemaNotJson => "schema-not-json",
            Self::SchemaInvalid => "schema-invalid",
            Self::MissingDpia => "missing-dpia",
            Self::ExpiresBeforeEffective => "expires-before-effective",
            Self::UnknownTransform => "unknown-transform",
            Self::UnknownCategory => "unknown-category",
            Self::BadSubjectId => "bad-subject-id",
            Self::UnboundedSubjectArray => "unbounded-subject-array",
            Self::UnknownAnnotation => "unknown-annotation",
            Self::OverlappingFlows => "overlapping-flows",
            Self::UnknownEmergencyCategory => "unknown-emergency-category",
            Self::InvalidMethod => "invalid-method",
            Self::InvalidPath => "invalid-path",
            Self::InvalidEncoding => "invalid-encoding",
            Self::InvalidLimit => "invalid-limit",
            Self::UnknownLawfulBasis => "unknown-lawful-basis",
            Self::LawfulBasisWrongList => "lawful-basis-wrong-list",
            Self::LawfulBasisIncomplete => "lawful-basis-incomplete",
            Self::LawfulBasisWrongRegime => "lawful-basis-wrong-regime",
            Self::MissingLawfulBasis => "missing-lawful-basis",
            Self::VersionNotIncreased => "version-not-increased",
            Self::UnapprovedChange => "unapproved-change",
            Self::PartiesNotChecked => "parties-not-checked",
            Self::OverlappingAgreements => "overlapping-agreements",
            Self::SpecialCategoryWithoutArticle9 => "special-category-without-article-9",
            Self::CriminalOffenceWithoutArticle10 => "criminal-offence-without-article-10",
            Self::ClosedSchema => "closed-schema",
            Self::ReviewOverdue => "review-overdue",
            Self::ExpiringSoon => "expiring-soon",
            Self::UnusedPurpose => "unused-purpose",
            Self::InternationalTransferWithoutSafeguard => {
                "international-transfer-without-safeguard"
            }
            Self::RecipientWithoutUpstream => "recipient-without-upstream",
            Self::IgnoredFile => "ignored-file",
            Self::MissingPolicyDocument => "missing-policy-document",
            Self::LegitimateInterestsByPublicAuthority => {
                "legitimate-interests-by-public-authority"
            }
            Self::Expired => "expired",
            Self::ReviewBeforeEffective => "review-before-effective",
            Self::DpiaOutcomeWithoutDpia => "dpia-outcome-without-dpia",
            Self::ResidualHighRisk => "residual-high-risk",
            Self::DpoConsultedLate => "dpo-consulted-late",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Self::PartiesNotChecked
            | Self::OverlappingAgreements
            | Self::SpecialCategoryWithoutArticle9
            | Self::CriminalOffenceWithoutArticle10
            | Self::ClosedSchema
            | Self::ReviewOverdue
            | Self::ExpiringSoon
            | Self::UnusedPurpose
            | Self::InternationalTransferWithoutSafeguard
            | Self::RecipientWithoutUpstream
            | Self::IgnoredFile
            | Self::MissingPolicyDocument
            | Self::LegitimateInterestsByPublicAuthority => Severity::Warning,
            Self::ResidualHighRisk | Self::DpoConsultedLate => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl Rule {
    /// Rules whose finding depends on today's date. `agreements check` reports them as
    /// it reports any other, but they never stop a gateway from loading a set: an
    /// agreement that expired at midnight is simply not in force (its flows are refused
    /// with `agreement-not-in-force`), and the rest of the set reloads.
    pub fn depends_on_today(self) -> bool {
        matches!(self, Self::Expired | Self::ReviewOverdue | Self::ExpiringSoon)
    }

    /// The rule with this code.
    pub fn from_code(code: &str) -> Option<Rule> {
        Self::ALL.iter().copied().find(|r| r.as_str() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in Rule::ALL {
            let c = r.as_str();
            assert!(seen.insert(c), "{c} twice");
            assert!(c
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'));
        }
    }
}

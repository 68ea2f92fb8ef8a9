//! The classification policy in one table: every kind of change there is, and what it means
//! for HTTP clients (a verdict and the reason) and for Rust code (a verdict; the reason names
//! the generated items, so the comparison writes it).

use super::Impact::{self, Breaking, Compatible};

/// A kind of change, with what its verdict depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    OperationAdded,
    OperationRemoved,
    SchemaAdded,
    SchemaRemoved,
    /// A shared schema differs in nothing the model keeps.
    SchemaDetailsChanged,
    MemberAdded {
        required: bool,
    },
    MemberTypeChanged,
    MemberNowRequired,
    MemberNowOptional,
    MemberRemoved,
    ResponseAdded,
    ResponseRemoved,
    ResponseBodyChanged,
    /// `breaks_requests`: a required, non-nullable property of a request type.
    PropertyAdded {
        breaks_requests: bool,
    },
    PropertyRemoved {
        input: bool,
    },
    PropertyTypeChanged,
    /// `option_changed`: the Rust field gains or loses its `Option`.
    PropertyRequired {
        now_required: bool,
        input: bool,
        option_changed: bool,
    },
    PropertyNullable {
        now_nullable: bool,
        input: bool,
        option_changed: bool,
    },
    /// An enum value or union variant.
    ValueAdded,
    ValueRemoved {
        input: bool,
    },
    AliasChanged,
    TypeKindChanged,
}

/// The verdict on a change: for the wire (with its reason) and for Rust code.
pub(super) struct Verdict {
    pub wire: Impact,
    pub wire_reason: &'static str,
    pub rust: Impact,
}

/// The table.
pub(super) fn verdict(kind: Kind) -> Verdict {
    let (wire, wire_reason, rust) = match kind {
        Kind::OperationAdded => (Compatible, "a new endpoint", Compatible),
        Kind::OperationRemoved => (Breaking, "calls to it fail", Breaking),
        Kind::SchemaAdded => (Compatible, "a new type", Compatible),
        Kind::SchemaRemoved => (Breaking, "no longer part of the API", Breaking),
        Kind::SchemaDetailsChanged => (
            Compatible,
            "same shape on the wire (review changed limits)",
            Compatible,
        ),
        Kind::MemberAdded { required: true } => {
            (Breaking, "requests without it are rejected", Breaking)
        }
        Kind::MemberAdded { required: false } => (Compatible, "optional", Compatible),
        Kind::MemberTypeChanged => (Breaking, "values of the old type may be rejected", Breaking),
        Kind::MemberNowRequired => (Breaking, "requests without it are rejected", Breaking),
        Kind::MemberNowOptional => (Compatible, "it may now be left out", Breaking),
        Kind::MemberRemoved => (
            Breaking,
            "requests that send it are rejected as unknown",
            Breaking,
        ),
        Kind::ResponseAdded => (
            Compatible,
            "clients handle statuses they do not know by class",
            Compatible,
        ),
        Kind::ResponseRemoved => (Compatible, "clients no longer see it", Breaking),
        Kind::ResponseBodyChanged => (Breaking, "clients parse a different body", Breaking),
        Kind::PropertyAdded {
            breaks_requests: true,
        } => (Breaking, "requests without it are rejected", Compatible),
        Kind::PropertyAdded {
            breaks_requests: false,
        } => (
            Compatible,
            "readers ignore properties they do not know",
            Compatible,
        ),
        Kind::PropertyRemoved { input: true } => {
            (Breaking, "requests that send it are rejected", Breaking)
        }
        Kind::PropertyRemoved { input: false } => (Breaking, "readers of it get nothing", Breaking),
        Kind::PropertyTypeChanged => (Breaking, "a different type on the wire", Breaking),
        Kind::PropertyRequired {
            now_required,
            input,
            option_changed,
        } => {
            let (wire, reason) = match (now_required, input) {
                (true, true) => (Breaking, "requests without it are rejected"),
                (true, false) => (Compatible, "always present now"),
                (false, true) => (Compatible, "may be left out now"),
                (false, false) => (Breaking, "readers may not get it"),
            };
            (wire, reason, option(option_changed))
        }
        Kind::PropertyNullable {
            now_nullable,
            input,
            option_changed,
        } => {
            let (wire, reason) = match (now_nullable, input) {
                (true, false) => (Breaking, "readers may get null"),
                (false, true) => (Breaking, "requests sending null are rejected"),
                _ => (Compatible, "null handling loosened"),
            };
            (wire, reason, option(option_changed))
        }
        Kind::ValueAdded => (
            Compatible,
            "a new value (clients with closed enums must accept it)",
            Compatible,
        ),
        Kind::ValueRemoved { input: true } => {
            (Breaking, "requests that send it are rejected", Breaking)
        }
        Kind::ValueRemoved { input: false } => (Compatible, "readers no longer see it", Breaking),
        Kind::AliasChanged => (Breaking, "a different type on the wire", Breaking),
        Kind::TypeKindChanged => (Breaking, "a different shape on the wire", Breaking),
    };
    Verdict {
        wire,
        wire_reason,
        rust,
    }
}

/// A field that gains or loses its `Option` breaks code that reads or builds it.
fn option(changed: bool) -> Impact {
    if changed {
        Breaking
    } else {
        Compatible
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_break_requests_and_nulls_break_readers() {
        let required = |input| {
            verdict(Kind::PropertyRequired {
                now_required: true,
                input,
                option_changed: true,
            })
        };
        assert_eq!(required(true).wire, Breaking);
        assert_eq!(required(false).wire, Compatible);
        assert_eq!(required(false).rust, Breaking);
        let nullable = verdict(Kind::PropertyNullable {
            now_nullable: true,
            input: false,
            option_changed: false,
        });
        assert_eq!((nullable.wire, nullable.rust), (Breaking, Compatible));
        assert_eq!(verdict(Kind::ResponseRemoved).rust, Breaking);
    }
}

//! The API's conventions beyond OpenAPI (account and version headers, the retry header, key
//! modes), chosen per spec: `x-apigen-conventions: stripe | none` at the document's root, or
//! else Stripe's when a server is on `stripe.com` or an operation declares a `Stripe-Account`
//! or `Stripe-Version` header. Stripe's rules live here, not in the runtime.

use openapiv3::OpenAPI;

use crate::model::*;

/// The document's own choice of profile.
pub const EXTENSION: &str = "x-apigen-conventions";

/// The conventions of the profile called `name`.
fn profile(name: &str) -> Option<Conventions> {
    match name {
        "none" => Some(Conventions::default()),
        "stripe" => Some(stripe()),
        _ => None,
    }
}

/// Stripe's: `Stripe-Account` and `Stripe-Version` requests, `Stripe-Should-Retry`
/// responses, `sk_`/`rk_` keys in test or live mode.
fn stripe() -> Conventions {
    let modes = [
        ("sk_test_", false, false),
        ("rk_test_", false, true),
        ("sk_live_", true, false),
        ("rk_live_", true, true),
    ];
    Conventions {
        profile: Some("stripe".to_owned()),
        reason: String::new(),
        account_header: Some("stripe-account".to_owned()),
        version_header: Some("stripe-version".to_owned()),
        should_retry_header: Some("stripe-should-retry".to_owned()),
        key_modes: modes
            .into_iter()
            .map(|(prefix, live, restricted)| KeyMode {
                prefix: prefix.to_owned(),
                live,
                restricted,
            })
            .collect(),
    }
}

/// The conventions of `spec` (whose operations are lowered), or the located error for an
/// unknown profile name: `(pointer, message)`.
pub fn detect(spec: &OpenAPI, operations: &[Operation]) -> Result<Conventions, (String, String)> {
    if let Some(chosen) = spec.extensions.get(EXTENSION) {
        let name = chosen.as_str().unwrap_or_default();
        let mut conventions = profile(name).ok_or_else(|| {
            (
                format!("/{EXTENSION}"),
                format!("unknown conventions {chosen}: use \"stripe\" or \"none\""),
            )
        })?;
        conventions.reason = format!("chosen by `{EXTENSION}: {name}`");
        return Ok(conventions);
    }
    let stripe_server = spec
        .servers
        .iter()
        .find(|server| is_stripe_host(&server.url));
    let stripe = stripe();
    let headers = [&stripe.account_header, &stripe.version_header];
    let stripe_header = operations.iter().flat_map(|op| &op.params).find(|param| {
        param.location == ParamLocation::Header
            && headers.iter().any(|h| {
                h.as_deref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&param.wire))
            })
    });
    let reason = match (stripe_server, stripe_header) {
        (Some(server), _) => format!("detected from the server URL `{}`", server.url),
        (None, Some(param)) => format!("detected from the `{}` header parameter", param.wire),
        (None, None) => return Ok(Conventions::default()),
    };
    Ok(Conventions { reason, ..stripe })
}

fn is_stripe_host(url: &str) -> bool {
    let (_, host) = super::scheme_and_host(url);
    host == "stripe.com" || host.ends_with(".stripe.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_hosts_only() {
        assert!(is_stripe_host("https://api.stripe.com"));
        assert!(is_stripe_host("https://files.stripe.com/v1"));
        assert!(!is_stripe_host("https://stripe.com.example.org"));
        assert!(!is_stripe_host("https://notstripe.com"));
        assert!(!is_stripe_host("http://doselect.local:8000"));
    }

    #[test]
    fn profiles_by_name() {
        assert_eq!(profile("none"), Some(Conventions::default()));
        assert!(profile("twilio").is_none());
        assert_eq!(stripe().key_modes.len(), 4);
    }
}

//! Operation names from what the operation does (`RetrieveCharge`, `ListCustomerSources`),
//! for specs whose `operationId`s only spell method and path.

use heck::ToSnakeCase;

use super::{type_name, words};

/// The name of an operation from what it does, when its `operationId` only spells its method
/// and path (Stripe's `GetChargesCharge`, Box's `get_files_id`) or is missing: `GET
/// /v1/charges/{charge}` is `RetrieveCharge`, `GET /v1/charges` `ListCharges`, `POST
/// /v1/charges` `CreateCharge`, `POST /v1/charges/{charge}` `UpdateCharge`, `DELETE` gives
/// `Delete...`, `POST /v1/charges/{charge}/capture` `CaptureCharge`, `GET
/// /v1/charges/search` `SearchCharges`, nested resources are named after their parents
/// (`ListCustomerSources`); a `POST` under an item is an action (`capture`) unless the path
/// also has a `GET`, which makes it a resource (`cash_balance`: `UpdateCustomerCashBalance`).
/// `None` keeps the `operationId` (as type name).
pub fn operation_name(
    method: &str,
    path: &str,
    operation_id: Option<&str>,
    path_has_get: bool,
    returns_list: bool,
) -> Option<String> {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && !is_version_segment(s))
        .collect();
    if let Some(id) = operation_id {
        if !spells_method_and_path(id, method, &segments) {
            return None;
        }
    }
    let is_param = |s: &str| s.starts_with('{') && s.ends_with('}');
    let method = method.to_ascii_lowercase();
    let last = *segments.last()?;
    // Every literal segment but the last names a namespace or a parent (singular).
    let nouns = |upto: usize| -> Vec<String> {
        segments[..upto]
            .iter()
            .filter(|s| !is_param(s))
            .map(|s| singular(s))
            .collect()
    };
    let words: Vec<String> = if is_param(last) {
        // An item: `/charges/{charge}`.
        let verb = match method.as_str() {
            "get" => "retrieve",
            "delete" => "delete",
            "put" => "replace",
            _ => "update",
        };
        std::iter::once(verb.to_owned())
            .chain(nouns(segments.len() - 1))
            .collect()
    } else {
        let after_item = segments.len() >= 2 && is_param(segments[segments.len() - 2]);
        let parents = nouns(segments.len() - 1);
        // A list envelope in the response says collection, whatever the word.
        let collection = is_plural(last) || (returns_list && method == "get");
        match (method.as_str(), last) {
            ("get", "search") => std::iter::once("search".to_owned())
                .chain(parents[..parents.len().saturating_sub(1)].iter().cloned())
                .chain(
                    segments
                        .len()
                        .checked_sub(2)
                        .map(|i| segments[i].to_owned()),
                )
                .collect(),
            ("get", _) if collection => std::iter::once("list".to_owned())
                .chain(parents)
                .chain(std::iter::once(last.to_owned()))
                .collect(),
            ("post", _) if collection => std::iter::once("create".to_owned())
                .chain(parents)
                .chain(std::iter::once(singular(last)))
                .collect(),
            // An action on an item: `/charges/{charge}/capture`.
            ("post", action) if after_item && !path_has_get => {
                std::iter::once(action.to_owned()).chain(parents).collect()
            }
            (verb, _) => {
                let verb = match verb {
                    "get" => "retrieve",
                    "post" | "patch" => "update",
                    "put" => "replace",
                    other => other,
                };
                std::iter::once(verb.to_owned())
                    .chain(parents)
                    .chain(std::iter::once(last.to_owned()))
                    .collect()
            }
        }
    };
    Some(type_name(&words.join("_")))
}

/// Whether an `operationId` is only its method followed by the words of its path (each
/// parameter standing for any of its own words, or none).
fn spells_method_and_path(id: &str, method: &str, segments: &[&str]) -> bool {
    let split = |text: &str| -> Vec<String> {
        words(text, false)
            .split(' ')
            .filter(|w| !w.is_empty())
            .flat_map(|w| {
                w.to_snake_case()
                    .split('_')
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|w| !w.is_empty())
            .collect()
    };
    let id_words = split(id);
    let Some((first, rest)) = id_words.split_first() else {
        return false;
    };
    if *first != method.to_ascii_lowercase() {
        return false;
    }
    // Literal words must match in order; a parameter may stand for any suffix of its words.
    let mut pattern: Vec<(Vec<String>, bool)> = Vec::new();
    for segment in segments {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => pattern.push((split(param), true)),
            None => pattern.push((split(segment), false)),
        }
    }
    fn matches(words: &[String], pattern: &[(Vec<String>, bool)]) -> bool {
        let Some(((part, is_param), rest)) = pattern.split_first() else {
            return words.is_empty();
        };
        if *is_param {
            (0..=part.len()).any(|skip| {
                let tail = &part[skip..];
                words.starts_with(tail) && matches(&words[tail.len()..], rest)
            })
        } else {
            words.starts_with(part) && matches(&words[part.len()..], rest)
        }
    }
    matches(rest, &pattern)
}

/// A path segment that is an API version (`v1`), not a resource.
pub fn is_version_segment(segment: &str) -> bool {
    let mut chars = segment.chars();
    chars.next() == Some('v')
        && segment.len() > 1
        && chars.as_str().chars().all(|c| c.is_ascii_digit())
}

/// Whether a path segment names a collection (`charges`, `line_items`).
fn is_plural(segment: &str) -> bool {
    let last = segment.rsplit(['_', '-']).next().unwrap_or(segment);
    last == "people"
        || (last.ends_with('s')
            && !last.ends_with("ss")
            && !last.ends_with("us")
            && !last.ends_with("is"))
}

/// The singular of a path segment's last word (`payment_methods` → `payment_method`,
/// `countries` → `country`, `addresses` → `address`); other segments as they are.
fn singular(segment: &str) -> String {
    if let Some(stem) = segment.strip_suffix("people") {
        return format!("{stem}person");
    }
    if !is_plural(segment) {
        return segment.to_owned();
    }
    for (plural, single) in [
        ("ies", "y"),
        ("sses", "ss"),
        ("shes", "sh"),
        ("ches", "ch"),
        ("xes", "x"),
    ] {
        if let Some(stem) = segment.strip_suffix(plural) {
            return format!("{stem}{single}");
        }
    }
    segment[..segment.len() - 1].to_owned()
}

#[cfg(test)]
mod tests {
    use super::{is_version_segment, operation_name};

    #[test]
    fn version_segments() {
        assert!(is_version_segment("v1"));
        assert!(!is_version_segment("v"));
        assert!(!is_version_segment("values"));
    }

    fn name(method: &str, path: &str, id: &str) -> Option<String> {
        let resource = path.ends_with("/cash_balance");
        let list = path.ends_with("/history");
        operation_name(method, path, Some(id), resource, list)
    }

    #[test]
    fn stripe_ids_become_what_the_operation_does() {
        let cases = [
            (
                "GET",
                "/v1/charges/{charge}",
                "GetChargesCharge",
                "RetrieveCharge",
            ),
            ("GET", "/v1/charges", "GetCharges", "ListCharges"),
            ("POST", "/v1/charges", "PostCharges", "CreateCharge"),
            (
                "POST",
                "/v1/charges/{charge}",
                "PostChargesCharge",
                "UpdateCharge",
            ),
            (
                "DELETE",
                "/v1/customers/{customer}",
                "DeleteCustomersCustomer",
                "DeleteCustomer",
            ),
            (
                "POST",
                "/v1/charges/{charge}/capture",
                "PostChargesChargeCapture",
                "CaptureCharge",
            ),
            (
                "GET",
                "/v1/charges/search",
                "GetChargesSearch",
                "SearchCharges",
            ),
            (
                "GET",
                "/v1/customers/{customer}/sources",
                "GetCustomersCustomerSources",
                "ListCustomerSources",
            ),
            (
                "POST",
                "/v1/customers/{customer}/sources",
                "PostCustomersCustomerSources",
                "CreateCustomerSource",
            ),
            (
                "GET",
                "/v1/customers/{customer}/sources/{id}",
                "GetCustomersCustomerSourcesId",
                "RetrieveCustomerSource",
            ),
            (
                "GET",
                "/v1/checkout/sessions",
                "GetCheckoutSessions",
                "ListCheckoutSessions",
            ),
            ("GET", "/v1/balance", "GetBalance", "RetrieveBalance"),
            (
                "GET",
                "/v1/balance/history",
                "GetBalanceHistory",
                "ListBalanceHistory",
            ),
            (
                "GET",
                "/v1/balance/history/{id}",
                "GetBalanceHistoryId",
                "RetrieveBalanceHistory",
            ),
            (
                "POST",
                "/v1/accounts/{account}/people",
                "PostAccountsAccountPeople",
                "CreateAccountPerson",
            ),
            (
                "GET",
                "/v1/accounts/{account}/people/{person}",
                "GetAccountsAccountPeoplePerson",
                "RetrieveAccountPerson",
            ),
            ("POST", "/v1/account", "PostAccount", "UpdateAccount"),
            (
                "GET",
                "/v1/countries/{country}",
                "GetCountrySpecsCountry",
                "",
            ),
        ];
        for (method, path, id, want) in cases {
            let got = name(method, path, id);
            if want.is_empty() {
                assert_eq!(got, None, "{method} {path} {id}");
            } else {
                assert_eq!(got.as_deref(), Some(want), "{method} {path} {id}");
            }
        }
    }

    #[test]
    fn ids_that_say_more_than_method_and_path_are_kept() {
        assert_eq!(name("POST", "/v1/charges", "CreateCharge"), None);
        assert_eq!(name("GET", "/papi/user/{username}", "RetrieveUser"), None);
        // Box's ids name a parameter by part of its name.
        assert_eq!(
            name("GET", "/files/{file_id}/metadata", "get_files_id_metadata").as_deref(),
            Some("RetrieveFileMetadata")
        );
        assert_eq!(
            operation_name("GET", "/v1/things", None, true, true).as_deref(),
            Some("ListThings")
        );
    }
}

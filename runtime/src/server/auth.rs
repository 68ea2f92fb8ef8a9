//! Authentication: the API key from Basic or Bearer authorization, an API key header or an
//! API key query parameter; the key ring a server may require; the 401 for anything else.

use std::fmt;
use std::sync::Arc;

use ::axum::extract::Request;
use ::axum::http::HeaderMap;
use ::axum::Router;
use base64::Engine;

use super::error::ServerError;
use super::form;
use crate::ApiKey;

/// How the API authenticates, from the spec's security schemes.
#[derive(Clone, Copy, Debug)]
pub struct Auth {
    /// HTTP Basic with the key as user name and an empty password.
    pub basic: bool,
    /// `Authorization: Bearer <key>`.
    pub bearer: bool,
    /// An API key header of its own (its whole value is the key).
    pub header: Option<&'static str>,
    /// An API key query parameter (taken out of the query before the operation sees it).
    pub query: Option<&'static str>,
}

/// The API keys a server accepts. Checking a key compares it with every key in the ring, in
/// time that does not depend on where (or whether) it matches.
#[derive(Clone)]
pub struct ApiKeys(Vec<ApiKey>);

impl ApiKeys {
    /// A ring of these keys.
    pub fn new(keys: impl IntoIterator<Item = impl Into<ApiKey>>) -> Self {
        Self(keys.into_iter().map(Into::into).collect())
    }

    /// Whether `key` is one of the ring's keys.
    pub fn contains(&self, key: &ApiKey) -> bool {
        // No early return: every comparison runs.
        self.0
            .iter()
            .fold(false, |found, known| (known == key) | found)
    }
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

/// Accept only these keys (401 `Invalid API Key provided` for any other). Without it, a
/// generated server accepts any well-formed key and leaves the decision to the handlers
/// ([`Context::api_key`](super::Context::api_key)), as the reference server does.
pub fn require_keys(router: Router, keys: ApiKeys) -> Router {
    router.layer(::axum::Extension(Arc::new(keys)))
}

/// The request's API key (taken out of the query when the API takes it there), or the
/// 401 refusing the request.
pub(super) fn authenticate(auth: Auth, request: &mut Request) -> Result<ApiKey, ServerError> {
    let from_query = match auth.query {
        Some(name) => take_query_key(request, name),
        None => Ok(None),
    };
    let key = match from_query {
        Ok(Some(key)) => Ok(key),
        Ok(None) => key_of(auth, request.headers()),
        Err(message) => Err(message),
    };
    let known = request.extensions().get::<Arc<ApiKeys>>();
    match key {
        Ok(key) if known.is_none_or(|keys| keys.contains(&key)) => Ok(key),
        // The key's prefix only (`sk_test_[redacted]`), never the secret.
        Ok(key) => Err(ServerError::unauthorized(format!(
            "Invalid API Key provided: {key}"
        ))),
        Err(message) => Err(ServerError::unauthorized(message)),
    }
}

/// The API key in query parameter `name`, removed from the request's URI so that the
/// operation's own query validation does not see it.
fn take_query_key(request: &mut Request, name: &str) -> Result<Option<ApiKey>, String> {
    let Some(query) = request.uri().query() else {
        return Ok(None);
    };
    let mut key = None;
    let mut rest = Vec::new();
    for pair in query.split('&') {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        if form::decode(raw_name).as_deref() == Ok(name) {
            if key.is_some() {
                return Err(format!("The API key was given more than once in `{name}`."));
            }
            let value = form::decode(raw_value).map_err(|_| {
                format!("The `{name}` query parameter is not valid percent-encoded UTF-8.")
            })?;
            key = Some(value.into_owned());
        } else {
            rest.push(pair);
        }
    }
    let Some(key) = key else {
        return Ok(None);
    };
    if malformed(&key) {
        return Err("Invalid API Key provided.".to_owned());
    }
    let mut path_and_query = request.uri().path().to_owned();
    if !rest.is_empty() {
        path_and_query.push('?');
        path_and_query.push_str(&rest.join("&"));
    }
    let mut parts = request.uri().clone().into_parts();
    parts.path_and_query = Some(
        path_and_query
            .parse()
            .map_err(|_| "The request URI is not valid.".to_owned())?,
    );
    *request.uri_mut() = axum::http::Uri::from_parts(parts)
        .map_err(|_| "The request URI is not valid.".to_owned())?;
    Ok(Some(ApiKey::new(key)))
}

fn key_of(auth: Auth, headers: &HeaderMap) -> Result<ApiKey, String> {
    const MISSING: &str = "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
    let value = match auth.header {
        Some(name) => super::decode::header_value(headers, name),
        None => headers.get(::axum::http::header::AUTHORIZATION),
    };
    let Some(value) = value else {
        return Err(MISSING.to_owned());
    };
    let value = value
        .to_str()
        .map_err(|_| "The Authorization header has characters HTTP does not allow.".to_owned())?;
    let key = if auth.header.is_some() {
        value.to_owned()
    } else if let Some(token) = value.strip_prefix("Bearer ").filter(|_| auth.bearer) {
        token.trim().to_owned()
    } else if let Some(encoded) = value.strip_prefix("Basic ").filter(|_| auth.basic) {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| {
                "Invalid Basic authorization header: not base64 of `key:`.".to_owned()
            })?;
        // The user name is the key: the decoded text, cut at the colon, is kept as it.
        match decoded.split_once(':') {
            Some((user, "")) => {
                let length = user.len();
                let mut key = decoded;
                key.truncate(length);
                key
            }
            Some(_) => {
                return Err(
                    "Basic authorization takes the API key as the user name and an empty password."
                        .to_owned(),
                )
            }
            None => return Err("Invalid Basic authorization header: expected `key:`.".to_owned()),
        }
    } else {
        return Err("Invalid authorization header: use `Bearer <key>` or Basic auth with the key as user name.".to_owned());
    };
    if malformed(&key) {
        return Err("Invalid API Key provided.".to_owned());
    }
    Ok(ApiKey::new(key))
}

/// An empty key, or one with a control or white-space character.
fn malformed(key: &str) -> bool {
    // One pass without early exits (so vectorized) for what needs a closer look: a byte up
    // to the space (the ASCII controls and white space), DEL, or part of a non-ASCII char.
    let suspect = key
        .bytes()
        .fold(false, |suspect, b| suspect | (b <= b' ') | (b >= 0x7f));
    key.is_empty() || (suspect && key.chars().any(|c| c.is_control() || c.is_whitespace()))
}

#[cfg(test)]
mod tests {
    use super::malformed;

    #[test]
    fn the_byte_check_of_ascii_keys_is_the_char_check() {
        let by_chars = |key: &str| key.chars().any(|c| c.is_control() || c.is_whitespace());
        for byte in 0..=127u8 {
            let key = format!("sk_test_a{}b", char::from(byte));
            assert_eq!(malformed(&key), by_chars(&key), "byte {byte:#04x}");
        }
        assert!(malformed(""));
        assert!(malformed("sk_test_\u{a0}x"), "non-ASCII white space");
        assert!(!malformed("sk_test_é"));
    }
}

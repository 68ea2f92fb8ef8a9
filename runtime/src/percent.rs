//! Percent-decoding of form keys and values (`application/x-www-form-urlencoded`, where `+`
//! is a space): the one decoder, used by the server's form parser and the client's multipart
//! encoder.

use std::borrow::Cow;

use percent_encoding::percent_decode;

/// Why a form component does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// A `%` that starts no valid escape.
    Escape,
    /// Decoded bytes that are not UTF-8.
    Utf8,
}

/// One percent-encoded key or value, decoded (borrowed when there is nothing to decode).
pub(crate) fn decode_form(raw: &str) -> Result<Cow<'_, str>, Invalid> {
    // Most keys and values have nothing to decode.
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return Ok(Cow::Borrowed(raw));
    }
    let bytes: Vec<u8> = raw
        .bytes()
        .map(|b| if b == b'+' { b' ' } else { b })
        .collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let valid = bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !valid {
                return Err(Invalid::Escape);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    percent_decode(&bytes)
        .decode_utf8()
        .map(|s| Cow::Owned(s.into_owned()))
        .map_err(|_| Invalid::Utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_escapes_and_refuses_bad_ones() {
        assert_eq!(decode_form("a+b%5B%5D").as_deref(), Ok("a b[]"));
        assert_eq!(decode_form("plain").as_deref(), Ok("plain"));
        assert_eq!(decode_form("%zz"), Err(Invalid::Escape));
        assert_eq!(decode_form("%4"), Err(Invalid::Escape));
        assert_eq!(decode_form("%ff"), Err(Invalid::Utf8));
    }
}

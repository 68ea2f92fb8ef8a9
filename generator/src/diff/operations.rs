//! Changes of one operation: builder members (parameters and body properties), responses
//! and the response body.

use std::collections::{BTreeMap, BTreeSet};

use super::policy::Kind;
use super::{is_component, label, op_subject, Differ};
use crate::model::*;

impl Differ<'_> {
    pub(super) fn operation(&mut self, old: &Operation, new: &Operation) {
        let subject = op_subject(new);
        // Builder members: parameters and body properties, by where they go and wire name.
        let old_members = members(self.old, old);
        let new_members = members(self.new, new);
        for (key, member) in &new_members {
            let what = format!("{} `{}`", key.0, key.1);
            match old_members.get(key) {
                None if member.required => self.push(
                    &subject,
                    Kind::MemberAdded { required: true },
                    format!("{what} added, required"),
                    format!("new argument of `{}::new`", new.name),
                ),
                None => self.push(
                    &subject,
                    Kind::MemberAdded { required: false },
                    format!("{what} added, optional"),
                    format!("new setter `{}`", member.setter),
                ),
                Some(before) => {
                    let (a, b) = (label(self.old, &before.ty), label(self.new, &member.ty));
                    if a != b {
                        self.push(
                            &subject,
                            Kind::MemberTypeChanged,
                            format!("{what}: type `{a}` → `{b}`"),
                            format!("`{}` takes a `{b}`", member.setter),
                        );
                    } else if let (TypeRef::Named(x), TypeRef::Named(y)) = (&before.ty, &member.ty)
                    {
                        if !is_component(self.new, *y) {
                            self.types(&subject, &key.1, *x, *y, &mut BTreeSet::new());
                        }
                    }
                    if before.required != member.required {
                        let kind = if member.required {
                            Kind::MemberNowRequired
                        } else {
                            Kind::MemberNowOptional
                        };
                        self.push(
                            &subject,
                            kind,
                            format!(
                                "{what} now {}",
                                if member.required {
                                    "required"
                                } else {
                                    "optional"
                                }
                            ),
                            format!(
                                "`{}` moves between `new` arguments and setters",
                                member.setter
                            ),
                        );
                    }
                }
            }
        }
        for (key, member) in &old_members {
            if !new_members.contains_key(key) {
                self.push(
                    &subject,
                    Kind::MemberRemoved,
                    format!("{} `{}` removed", key.0, key.1),
                    format!("`{}` is gone from `{}`", member.setter, old.name),
                );
            }
        }
        // Responses.
        let old_status: BTreeMap<&Status, &Response> =
            old.responses.iter().map(|r| (&r.status, r)).collect();
        let new_status: BTreeMap<&Status, &Response> =
            new.responses.iter().map(|r| (&r.status, r)).collect();
        for (status, response) in &new_status {
            if !old_status.contains_key(status) {
                self.push(
                    &subject,
                    Kind::ResponseAdded,
                    format!("response {} added", status_label(status)),
                    format!("new variant `{}::{}`", new.response_enum, response.variant),
                );
            }
        }
        for (status, response) in &old_status {
            if !new_status.contains_key(status) {
                self.push(
                    &subject,
                    Kind::ResponseRemoved,
                    format!("response {} removed", status_label(status)),
                    format!(
                        "variant `{}::{}` is gone (server code returning it)",
                        old.response_enum, response.variant
                    ),
                );
            }
        }
        let (a, b) = (
            output_label(self.old, &old.output),
            output_label(self.new, &new.output),
        );
        if a != b {
            self.push(
                &subject,
                Kind::ResponseBodyChanged,
                format!("response body `{a}` → `{b}`"),
                format!("`{}` returns `{b}`", new.name),
            );
        }
    }
}

/// A builder member with where it goes on the wire: (`path parameter`|`query parameter`|
/// `header`|`body property`, wire name).
fn members<'a>(api: &'a Api, op: &'a Operation) -> BTreeMap<(&'static str, String), &'a Member> {
    let body_fields: BTreeMap<&str, &str> = match op.body.as_ref().map(|b| api.unalias(&b.ty)) {
        Some(TypeRef::Named(id)) => match &api.ty(*id).kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .map(|f| (f.name.as_str(), f.wire.as_str()))
                .collect(),
            _ => BTreeMap::new(),
        },
        _ => BTreeMap::new(),
    };
    let query_fields: BTreeMap<&str, &str> = match op.query.map(|id| &api.ty(id).kind) {
        Some(TypeKind::Struct(s)) => s
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.wire.as_str()))
            .collect(),
        _ => BTreeMap::new(),
    };
    let params: BTreeMap<&str, &Param> = op.params.iter().map(|p| (p.name.as_str(), p)).collect();
    op.members
        .iter()
        .filter_map(|member| {
            let key = match &member.source {
                Source::Own(name) => {
                    let param = params.get(name.as_str())?;
                    let kind = match param.location {
                        ParamLocation::Path => "path parameter",
                        ParamLocation::Header => "header",
                        ParamLocation::Cookie => "cookie",
                        ParamLocation::Query => "query parameter",
                    };
                    (kind, param.wire.clone())
                }
                Source::Query(field) => (
                    "query parameter",
                    query_fields.get(field.as_str())?.to_string(),
                ),
                Source::BodyField(field) => (
                    "body property",
                    body_fields.get(field.as_str())?.to_string(),
                ),
                Source::Body => ("body", String::new()),
            };
            Some((key, member))
        })
        .collect()
}

fn status_label(status: &Status) -> String {
    match status {
        Status::Code(code) => code.to_string(),
        Status::Range(digit) => format!("{digit}XX"),
        Status::Default => "default".to_owned(),
    }
}

fn output_label(api: &Api, output: &Output) -> String {
    match output {
        Output::Empty => "()".to_owned(),
        Output::Json(ty) => label(api, ty),
        Output::Bytes => "bytes".to_owned(),
    }
}

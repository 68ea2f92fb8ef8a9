//! Cycles: self-containment the generated code cannot express (located errors) and the
//! fields and variants boxed so that every recursive type has a finite size.

use std::collections::BTreeSet;

use super::Lowerer;
use crate::error::Diagnostic;
use crate::model::*;

impl<'a> Lowerer<'a> {
    /// Two kinds of self-containment the generated code cannot express: a union that contains
    /// itself through unions and aliases alone (`b: {anyOf: [b, ...]}`) would recurse for
    /// ever when decoding, and an alias that contains itself through arrays and maps alone
    /// (`a: {type: array, items: a}`) would be a Rust type alias of itself. An object in
    /// between (a struct field) ends either.
    pub(super) fn self_containment(&mut self) {
        /// Unions reachable from `ty` without passing a struct, through aliases.
        /// (`aliases`: the ones followed so far, as aliases may loop too.)
        fn union_edges(
            types: &[TypeDef],
            ty: &TypeRef,
            aliases: &mut BTreeSet<TypeId>,
            out: &mut Vec<TypeId>,
        ) {
            ty.walk(
                |wrapper| wrapper == Wrapper::Unsettable,
                |ty| {
                    if let TypeRef::Named(id) = ty {
                        match &types[id.0].kind {
                            TypeKind::Union(_) => out.push(*id),
                            TypeKind::Alias(inner) if aliases.insert(*id) => {
                                union_edges(types, inner, aliases, out)
                            }
                            _ => {}
                        }
                    }
                },
            );
        }
        /// Aliases `ty` spells out (Rust aliases are expanded, so containers do not help).
        fn alias_edges(types: &[TypeDef], ty: &TypeRef, out: &mut Vec<TypeId>) {
            ty.walk(
                |_| true,
                |ty| match ty {
                    TypeRef::Named(id) | TypeRef::Expandable(id)
                        if matches!(types[id.0].kind, TypeKind::Alias(_)) =>
                    {
                        out.push(*id)
                    }
                    _ => {}
                },
            );
        }
        let types = &self.types;
        let mut unions: Vec<Vec<TypeId>> = vec![Vec::new(); types.len()];
        let mut aliases: Vec<Vec<TypeId>> = vec![Vec::new(); types.len()];
        for (index, def) in types.iter().enumerate() {
            match &def.kind {
                TypeKind::Union(union) => {
                    for variant in &union.variants {
                        let mut aliases = BTreeSet::new();
                        union_edges(types, &variant.ty, &mut aliases, &mut unions[index]);
                    }
                }
                TypeKind::Alias(inner) => alias_edges(types, inner, &mut aliases[index]),
                _ => {}
            }
        }
        let mut problems = Vec::new();
        for (edges, what, why) in [
            (&unions, "union", "decoding it would never end"),
            (
                &aliases,
                "type",
                "it would be a Rust type alias of itself (not supported)",
            ),
        ] {
            for (start, through) in cycles(edges) {
                let through: Vec<_> = through
                    .iter()
                    .map(|id| format!("`{}`", types[id.0].name))
                    .collect();
                let through = if through.is_empty() {
                    String::new()
                } else {
                    format!(" through {}", through.join(", "))
                };
                problems.push((
                    types[start].origin.clone(),
                    format!(
                        "the {what} `{}` contains itself{through} with no object in between, so {why}",
                        types[start].name
                    ),
                ));
            }
        }
        for (pointer, message) in problems {
            self.error(&pointer, message);
        }
    }

    /// Fields and variants that hold a type of their own strongly connected component by value
    /// are boxed, so every recursive type has a finite size.
    pub(super) fn box_cycles(&mut self) {
        let edges: Vec<Vec<TypeId>> = self
            .types
            .iter()
            .map(|def| {
                let mut out = Vec::new();
                match &def.kind {
                    TypeKind::Struct(s) => s.fields.iter().for_each(|f| f.ty.by_value(&mut out)),
                    TypeKind::Union(u) => u.variants.iter().for_each(|v| v.ty.by_value(&mut out)),
                    TypeKind::Alias(ty) => ty.by_value(&mut out),
                    TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
                }
                out
            })
            .collect();
        let component = strongly_connected(&edges);
        let mut problems = Vec::new();
        for (index, def) in self.types.iter_mut().enumerate() {
            let same = |ty: &TypeRef| {
                let mut targets = Vec::new();
                ty.by_value(&mut targets);
                targets.iter().any(|t| component[t.0] == component[index])
            };
            match &mut def.kind {
                TypeKind::Struct(s) => s.fields.iter_mut().for_each(|f| f.boxed = same(&f.ty)),
                TypeKind::Union(u) => u.variants.iter_mut().for_each(|v| v.boxed = same(&v.ty)),
                TypeKind::Alias(ty) => {
                    let mut targets = Vec::new();
                    ty.by_value(&mut targets);
                    if targets.iter().any(|t| component[t.0] == component[index]) {
                        problems.push(Diagnostic::at(
                            self.file,
                            def.origin.clone(),
                            "this schema is defined only in terms of itself",
                        ));
                    }
                }
                TypeKind::Enum(_) | TypeKind::IntEnum(_) => {}
            }
        }
        self.errors.extend(problems);
    }
}

/// Tarjan's algorithm, iterative so deep specs cannot overflow the stack. Returns the
/// component number of every node.
pub(super) fn strongly_connected(edges: &[Vec<TypeId>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![UNSEEN; n];
    let mut stack = Vec::new();
    let mut counter = 0;
    let mut components = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(&mut (node, ref mut next)) = work.last_mut() {
            if *next == 0 && index[node] == UNSEEN {
                index[node] = counter;
                low[node] = counter;
                counter += 1;
                stack.push(node);
                on_stack[node] = true;
            }
            if let Some(target) = edges[node].get(*next).map(|t| t.0) {
                *next += 1;
                if index[target] == UNSEEN {
                    work.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(index[target]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = components;
                    if member == node {
                        break;
                    }
                }
                components += 1;
            }
        }
    }
    component
}

/// Every node of the graph `next` that can reach itself, with the nodes on one way back
/// (excluding itself), in node order.
pub(super) fn cycles(next: &[Vec<TypeId>]) -> Vec<(usize, Vec<TypeId>)> {
    let mut found = Vec::new();
    for start in 0..next.len() {
        let mut seen = vec![false; next.len()];
        let mut stack: Vec<(TypeId, Vec<TypeId>)> =
            next[start].iter().map(|&n| (n, Vec::new())).collect();
        while let Some((at, path)) = stack.pop() {
            if at.0 == start {
                found.push((start, path));
                break;
            }
            if std::mem::replace(&mut seen[at.0], true) {
                continue;
            }
            for &n in &next[at.0] {
                let mut longer = path.clone();
                longer.push(at);
                stack.push((n, longer));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn tarjan_finds_cycles() {
        // 0 -> 1 -> 2 -> 0, 3 -> 3, 4 alone
        let edges = vec![
            vec![TypeId(1)],
            vec![TypeId(2)],
            vec![TypeId(0)],
            vec![TypeId(3)],
            vec![],
        ];
        let c = strongly_connected(&edges);
        assert!(c[0] == c[1] && c[1] == c[2]);
        assert!(c[3] != c[0] && c[4] != c[0] && c[4] != c[3]);
    }
}

#[cfg(test)]
mod boxing_tests {
    use super::super::test_support::{api, lower_yaml, named};
    use crate::model::*;

    #[test]
    fn recursion_by_value_is_boxed_and_through_a_vec_is_not() {
        let api = api(
            "",
            "node:
  type: object
  properties:
    parent: {$ref: '#/components/schemas/node'}
    children: {type: array, items: {$ref: '#/components/schemas/node'}}",
        );
        let TypeKind::Struct(node) = &named(&api, "Node").kind else {
            panic!("a struct")
        };
        let boxed: Vec<(&str, bool)> = node
            .fields
            .iter()
            .map(|f| (f.wire.as_str(), f.boxed))
            .collect();
        assert_eq!(boxed, [("children", false), ("parent", true)]);
    }

    #[test]
    fn a_union_of_itself_is_a_located_error() {
        let errors = lower_yaml(
            "",
            "b: {anyOf: [{$ref: '#/components/schemas/b'}, {type: object, properties: {x: {type: string}}}]}",
        )
        .unwrap_err()
        .to_string();
        assert!(errors.contains("/components/schemas/b"), "{errors}");
        assert!(errors.contains("contains itself"), "{errors}");
    }
}

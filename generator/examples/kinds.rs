use quote::ToTokens;
use std::collections::BTreeMap;
use std::time::Instant;

fn kind(item: &syn::Item) -> String {
    match item {
        syn::Item::Struct(_) => "struct".into(),
        syn::Item::Enum(_) => "enum".into(),
        syn::Item::Impl(i) => match &i.trait_ {
            Some((_, p, _)) => format!(
                "impl {}",
                p.segments
                    .iter()
                    .map(|s| s.ident.to_string())
                    .collect::<Vec<_>>()
                    .join("::")
            ),
            None => "impl inherent".into(),
        },
        syn::Item::Fn(f) => {
            if f.sig.ident.to_string().starts_with("__apigen") {
                "placeholder".into()
            } else {
                format!("fn {}", f.sig.ident.to_string().split('_').next().unwrap())
            }
        }
        syn::Item::Static(_) => "static".into(),
        syn::Item::Macro(_) => "macro".into(),
        syn::Item::Trait(_) => "trait".into(),
        syn::Item::Mod(_) => "mod".into(),
        syn::Item::Use(_) => "use".into(),
        _ => "other".into(),
    }
}

fn main() {
    let mut stats: BTreeMap<String, (f64, f64, usize, usize)> = BTreeMap::new();
    for arg in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&arg).unwrap();
        let file: syn::File = syn::parse_file(&text).unwrap();
        let sub = if arg.contains("server") {
            "server "
        } else if arg.contains("models") {
            "models "
        } else {
            "ops "
        };
        for item in &file.items {
            let tokens = item.to_token_stream();
            let t = Instant::now();
            let parsed: syn::Item = syn::parse2(tokens).unwrap();
            let parse = t.elapsed().as_secs_f64();
            let f = syn::File {
                shebang: None,
                attrs: vec![],
                items: vec![parsed],
            };
            let t = Instant::now();
            let out = prettyplease::unparse(&f);
            let print = t.elapsed().as_secs_f64();
            let s = stats.entry(format!("{sub}{}", kind(item))).or_default();
            s.0 += parse;
            s.1 += print;
            s.2 += 1;
            s.3 += out.len();
        }
    }
    let mut v: Vec<_> = stats.into_iter().collect();
    v.sort_by(|a, b| (b.1 .0 + b.1 .1).partial_cmp(&(a.1 .0 + a.1 .1)).unwrap());
    for (k, (parse, print, n, bytes)) in v.iter().take(25) {
        println!(
            "{k:40} n={n:6} parse {:7.1} ms print {:7.1} ms bytes {:9}",
            parse * 1e3,
            print * 1e3,
            bytes
        );
    }
}

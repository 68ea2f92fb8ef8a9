//! Emitting: model → files of the generated crate. Reads only the model.

mod builders;
mod docs;
mod examples;
mod features;
mod mock;
mod models;
mod server;
mod splice;
mod syntax;
mod types;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Api, Module, ParamLocation, SecurityKind, TypeId};
use crate::print::{finish_file, parse_file, print_file, print_rust, GeneratedFile, Header};
pub use docs::code_text;
use docs::inner_doc_attrs;
use features::{Features, Gate};
use splice::Splicer;

/// How a type reads in the generated code (`Vec<Charge>`, `rt::Expandable<Customer>`), for
/// reports about it.
pub fn rust_type_text(api: &Api, ty: &crate::model::TypeRef) -> String {
    types::rust_type_text(api, ty).flat()
}

/// How the generated crate finds its dependencies.
#[derive(Clone, Debug)]
pub struct CrateOptions {
    /// Package name of the generated crate.
    pub name: String,
    /// Path to the runtime crate, as written into `Cargo.toml`.
    pub runtime_path: String,
    /// A crate outside this workspace (gets its own `[workspace]`).
    pub standalone: bool,
}

/// Makes one file. Jobs build their tokens on the thread that prints them: token streams
/// cannot cross threads.
struct Job<'a> {
    /// A rough measure of the work (items in the file), to start the big files first.
    size: usize,
    make: Box<dyn Fn() -> Result<GeneratedFile, String> + Send + Sync + 'a>,
}

impl<'a> Job<'a> {
    fn new(
        size: usize,
        make: impl Fn() -> Result<GeneratedFile, String> + Send + Sync + 'a,
    ) -> Self {
        Self {
            size,
            make: Box::new(make),
        }
    }
}

/// What goes into a module file: an operation's builder or a type definition.
#[derive(Clone, Copy)]
enum Item {
    Builder(usize),
    Type(TypeId),
}

/// Every file of the generated crate, sorted by path, and the crate's resource features.
/// `on_file` sees each file as soon as it is printed, on the thread that printed it (to
/// write it while the others print).
pub fn emit(
    api: &Api,
    options: &CrateOptions,
    on_file: &(dyn Fn(&GeneratedFile) + Sync),
) -> Result<(Vec<GeneratedFile>, Vec<String>), String> {
    emit_with(api, options, on_file, true)
}

/// [`emit`], with the most repeated lines written as text (`splicing`, see `splice`) or every
/// line printed from tokens.
fn emit_with(
    api: &Api,
    options: &CrateOptions,
    on_file: &(dyn Fn(&GeneratedFile) + Sync),
    splicing: bool,
) -> Result<(Vec<GeneratedFile>, Vec<String>), String> {
    let header = Header::new(&api.title, &api.version);
    let features = Features::new(api);
    let mut modules: BTreeMap<&Module, Vec<(Gate, Item)>> = BTreeMap::new();
    // Builders go with the types their operations define inline.
    let operation_modules_of: Vec<Module> = api
        .operations
        .iter()
        .map(|op| Module::Operations(op.group.clone()))
        .collect();
    for (index, (op, module)) in api.operations.iter().zip(&operation_modules_of).enumerate() {
        modules
            .entry(module)
            .or_default()
            .push((features.of_group(&op.group), Item::Builder(index)));
    }
    for index in 0..api.types.len() {
        let id = TypeId(index);
        modules
            .entry(&api.ty(id).module)
            .or_default()
            .push((features.of_type(id).clone(), Item::Type(id)));
    }

    let (header, features) = (&header, &features);
    let mut jobs: Vec<Job> = Vec::new();
    // Module names with their gates (none: always compiled), for the `mod` declarations.
    let mut model_modules: Vec<(String, Option<Gate>)> = Vec::new();
    let mut operation_modules: Vec<(String, Option<Gate>)> = Vec::new();
    for (module, items) in modules {
        let gate: Gate = items
            .iter()
            .flat_map(|(gate, _)| gate.iter().copied())
            .collect();
        let (dir, name, path) = match module {
            Module::Model(name) => (&mut model_modules, name, format!("src/models/{name}.rs")),
            Module::Operations(name) => (
                &mut operation_modules,
                name,
                format!("src/operations/{name}.rs"),
            ),
        };
        dir.push((name.clone(), Some(gate.clone())));
        let in_models = matches!(module, Module::Model(_));
        jobs.push(Job::new(items.len(), move || {
            let splicer = Splicer::new(splicing);
            let uses = if in_models {
                quote! {
                    #[allow(unused_imports)]
                    use super::*;
                }
            } else {
                quote! {
                    #[allow(unused_imports)]
                    use crate::models::*;
                }
            };
            let items = items
                .iter()
                .map(|(item_gate, item)| {
                    let cfg = features.cfg_within(item_gate, &gate);
                    let tokens = match *item {
                        Item::Builder(index) => {
                            builders::builder(api, &api.operations[index], &splicer)
                        }
                        Item::Type(id) => models::type_def(
                            api,
                            api.ty(id),
                            features.traffic(id),
                            &|variant| features.cfg_within(features.of_type(variant), item_gate),
                            cfg.is_some(),
                            &splicer,
                        ),
                    };
                    features::gate_items(tokens, cfg)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let tokens = quote! {
                #uses
                #[allow(unused_imports)]
                use apigen_runtime as rt;
                #(#items)*
            };
            print_spliced(header, path.clone(), tokens, &splicer)
        }));
    }
    if !api.ids.is_empty() {
        model_modules.push(("ids".to_owned(), None));
        jobs.push(Job::new(api.ids.len(), move || {
            let ids = models::ids(api);
            let tokens = quote! {
                use apigen_runtime as rt;
                #ids
            };
            print_rust(header, "src/models/ids.rs".to_owned(), tokens)
        }));
    }
    model_modules.sort_by(|a, b| a.0.cmp(&b.0));
    let has_operations = !operation_modules.is_empty();
    jobs.push(Job::new(model_modules.len(), move || {
        let doc = "Types of the API's schemas, one module per component schema.";
        let file = module_index(features, &model_modules, doc)?;
        Ok(print_file(header, "src/models/mod.rs".to_owned(), &file))
    }));
    if has_operations {
        jobs.push(Job::new(operation_modules.len(), move || {
            let doc = "Types defined inline in operations (request bodies, parameters, \
                       responses), one module per group.";
            let file = module_index(features, &operation_modules, doc)?;
            Ok(print_file(
                header,
                "src/operations/mod.rs".to_owned(),
                &file,
            ))
        }));
    }
    let has_server = !api.operations.is_empty();
    if has_server {
        server_jobs(api, features, header, splicing, &mut jobs);
    }
    jobs.push(Job::new(1, move || {
        let tokens = lib_rs(api, has_operations, has_server);
        print_rust(header, "src/lib.rs".to_owned(), tokens)
    }));
    let mut files = run_jobs(&jobs, on_file)?;
    let manifest = GeneratedFile {
        path: "Cargo.toml".to_owned(),
        contents: cargo_toml(header, api, features, options),
    };
    on_file(&manifest);
    files.push(manifest);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, features.names().to_vec()))
}

/// Parses and prints `tokens`, with the splicer's text in place of its placeholders.
fn print_spliced(
    header: &Header,
    path: String,
    tokens: TokenStream,
    splicer: &Splicer,
) -> Result<GeneratedFile, String> {
    let file = parse_file(&path, tokens)?;
    let printed = splicer.splice(&path, prettyplease::unparse(&file))?;
    Ok(finish_file(header, path, &printed))
}

/// Runs the jobs on every core, biggest first; the files come back in job order, and the
/// first failing job (in that order) gives the error, so the outcome does not depend on
/// scheduling.
fn run_jobs(
    jobs: &[Job],
    on_file: &(dyn Fn(&GeneratedFile) + Sync),
) -> Result<Vec<GeneratedFile>, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(jobs.len())
        .max(1);
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&index| std::cmp::Reverse(jobs[index].size));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let Some(&index) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                return done;
            };
            let file = (jobs[index].make)();
            if let Ok(file) = &file {
                on_file(file);
            }
            done.push((index, file));
        }
    };
    let mut results: Vec<(usize, Result<GeneratedFile, String>)> = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut results = work();
        for helper in helpers {
            match helper.join() {
                Ok(done) => results.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    });
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, file)| file).collect()
}

/// `mod` and `pub use` of each module, behind its features (as trees: these files are
/// mostly long `cfg`s, one per distinct gate parsed).
fn module_index(
    features: &Features,
    modules: &[(String, Option<Gate>)],
    doc: &str,
) -> Result<syn::File, String> {
    let mut cfgs = syntax::CfgCache::default();
    let gated = modules
        .iter()
        .map(|(name, gate)| Ok((name, cfgs.get(features, gate.as_ref())?)))
        .collect::<Result<Vec<_>, String>>()?;
    let declarations = gated
        .iter()
        .map(|(name, cfg)| syntax::mod_declaration(cfg.clone(), name));
    let uses = gated
        .iter()
        .map(|(name, cfg)| syntax::pub_use_glob(cfg.clone(), name));
    let items = declarations.chain(uses).collect();
    Ok(syn::File {
        shebang: None,
        attrs: vec![syntax::inner_doc(&format!(" {doc}"))],
        items,
    })
}

fn server_jobs<'a>(
    api: &'a Api,
    features: &'a Features,
    header: &'a Header,
    splicing: bool,
    jobs: &mut Vec<Job<'a>>,
) {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, op) in api.operations.iter().enumerate() {
        groups.entry(op.group.as_str()).or_default().push(index);
    }
    let group_names: Vec<String> = groups.keys().map(|g| (*g).to_owned()).collect();
    for (group, operations) in groups {
        jobs.push(Job::new(4 * operations.len(), move || {
            let splicer = Splicer::new(splicing);
            let items = operations
                .iter()
                .map(|&index| server::operation(api, &api.operations[index], &splicer));
            let tokens = quote! {
                #[allow(unused_imports)]
                use super::schemas::*;
                #[allow(unused_imports)]
                use crate::models::*;
                #[allow(unused_imports)]
                use crate::operations::*;
                #[allow(unused_imports)]
                use apigen_runtime as rt;
                #(#items)*
            };
            print_spliced(header, format!("src/server/{group}.rs"), tokens, &splicer)
        }));
    }
    jobs.push(Job::new(api.types.len(), move || {
        let splicer = Splicer::new(splicing);
        let file = schemas_file(api, features, &splicer)?;
        let printed = splicer.splice(SCHEMAS_RS, prettyplease::unparse(&file))?;
        Ok(finish_file(header, SCHEMAS_RS.to_owned(), &printed))
    }));
    jobs.push(Job::new(api.operations.len(), move || {
        let splicer = Splicer::new(splicing);
        let module = server::server_mod(api, features, &group_names, &splicer);
        let tokens = quote! {
            #module
            #[allow(unused_imports)]
            use apigen_runtime as rt;
        };
        print_spliced(header, "src/server/mod.rs".to_owned(), tokens, &splicer)
    }));
    // Apart from the rest: a model change shows up here too, and nowhere else in the server.
    jobs.push(Job::new(api.operations.len(), move || {
        let splicer = Splicer::new(splicing);
        let server = mock::mock_server(api, features, &splicer);
        let tokens = quote! {
            //! The `Mock` server: every operation answers from the spec, statefully.
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use crate::models::*;
            #[allow(unused_imports)]
            use crate::operations::*;
            #[allow(unused_imports)]
            use apigen_runtime as rt;
            #server
        };
        print_spliced(header, "src/server/mock.rs".to_owned(), tokens, &splicer)
    }));
}

const SCHEMAS_RS: &str = "src/server/schemas.rs";

/// `server/schemas.rs`: a validation static per input type, built as trees, not tokens
/// (see `syntax`).
fn schemas_file(api: &Api, features: &Features, splicer: &Splicer) -> Result<syn::File, String> {
    let head = quote! {
        //! Validation descriptors of the types requests carry.
        #[allow(unused_imports)]
        use apigen_runtime as rt;
    };
    let mut file = parse_file(SCHEMAS_RS, head)?;
    let mut cfgs = syntax::CfgCache::default();
    // Each distinct gate's `cfg` as printed, for the statics written as text.
    let mut printed_cfgs: BTreeMap<&Gate, Option<String>> = BTreeMap::new();
    for id in server::input_types(api) {
        let gate = features.of_type(id);
        let cfg = printed_cfgs
            .entry(gate)
            .or_insert_with(|| match features.cfg(gate) {
                Some(cfg) => splice::print_attributes(0, cfg),
                None => Some(String::new()),
            })
            .clone();
        let text = cfg.and_then(|cfg| {
            splicer.items(false, |items| {
                server::schema_static_text(api, id, &cfg, items.next())
            })
        });
        match text {
            Some(placeholder) => file
                .items
                .extend(parse_file(SCHEMAS_RS, placeholder)?.items),
            None => {
                let cfg = cfgs.get(features, Some(gate))?;
                file.items.push(server::schema_static(api, id, cfg));
            }
        }
    }
    Ok(file)
}

fn lib_rs(api: &Api, has_operations: bool, has_server: bool) -> TokenStream {
    let title = format!(
        " {} (version {}): models generated from its OpenAPI description.",
        code_text(&api.title),
        code_text(&api.version)
    );
    let description = inner_doc_attrs(api.description.as_deref());
    let version = &api.version;
    let base_url = api.servers.first().map(|url| {
        quote! {
            /// The default base URL (the spec's first server).
            pub const BASE_URL: &str = #url;
        }
    });
    // Generated modules are formatted by the generator; `cargo fmt` leaves them alone. (The
    // attribute is spelled as a path so that rustfmt does not act on it in this source.)
    let skip = quote!(#[rustfmt::skip]);
    let operations = has_operations.then(|| quote!(#skip pub mod operations;));
    let server = has_server.then(|| {
        let cfg = features::server_predicate();
        quote! {
            #[cfg(#cfg)]
            #skip
            pub mod server;
        }
    });
    let conventions = conventions_const(&api.conventions);
    let auth = api.security.iter().find_map(|scheme| {
        let value = match &scheme.kind {
            SecurityKind::Basic => quote!(apigen_runtime::AuthScheme::Basic),
            SecurityKind::Bearer => quote!(apigen_runtime::AuthScheme::Bearer),
            SecurityKind::ApiKey {
                location: ParamLocation::Header,
                name,
            } => quote!(apigen_runtime::AuthScheme::Header { name: #name, template: "{key}" }),
            SecurityKind::ApiKey {
                location: ParamLocation::Query,
                name,
            } => quote!(apigen_runtime::AuthScheme::Query { name: #name }),
            _ => return None,
        };
        let doc = format!(
            " How the API takes its key: security scheme `{}` of the spec (for `Client::auth_scheme`).",
            code_text(&scheme.name)
        );
        Some(quote! {
            #[doc = #doc]
            pub const AUTH_SCHEME: apigen_runtime::AuthScheme = #value;
        })
    });
    quote! {
        #![doc = #title]
        #![doc = ""]
        #description
        // Types nest as deeply as the spec's schemas do.
        #![allow(clippy::type_complexity)]
        // Doc comments are the spec's descriptions as written (vendors' Markdown lists).
        #![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]

        pub use apigen_runtime as runtime;

        #skip
        pub mod models;
        #operations
        #server

        // Empty when no resource feature is on.
        #[allow(unused_imports)]
        pub use models::*;

        /// The API version this crate was generated from (`info.version`).
        pub const API_VERSION: &str = #version;

        #base_url

        #auth

        #conventions
    }
}

/// `CONVENTIONS`: the runtime's data for the API's conventions beyond OpenAPI.
fn conventions_const(conventions: &crate::model::Conventions) -> TokenStream {
    let value = match &conventions.profile {
        None => quote!(apigen_runtime::Conventions::NONE),
        Some(_) => {
            let header = |name: &Option<String>| match name {
                Some(name) => quote!(Some(#name)),
                None => quote!(None),
            };
            let account = header(&conventions.account_header);
            let version = header(&conventions.version_header);
            let should_retry = header(&conventions.should_retry_header);
            let modes = conventions.key_modes.iter().map(|kind| {
                let prefix = &kind.prefix;
                let mode = if kind.live {
                    quote!(Live)
                } else {
                    quote!(Test)
                };
                let restricted = kind.restricted;
                quote!(apigen_runtime::KeyMode { prefix: #prefix, mode: apigen_runtime::Mode::#mode, restricted: #restricted })
            });
            quote!(apigen_runtime::Conventions {
                account_header: #account,
                version_header: #version,
                should_retry_header: #should_retry,
                key_modes: &[#(#modes),*],
            })
        }
    };
    let doc = match &conventions.profile {
        Some(profile) => format!(
            " The API's conventions beyond the spec: {profile}'s ({}).",
            conventions.reason
        ),
        None => " The API's conventions beyond the spec: none (no account or version header, no key modes).".to_owned(),
    };
    quote! {
        #[doc = #doc]
        pub const CONVENTIONS: apigen_runtime::Conventions = #value;
    }
}

fn cargo_toml(header: &Header, api: &Api, features: &Features, options: &CrateOptions) -> String {
    // The inside of a TOML basic string, with no control characters even escaped: cargo
    // passes the description to rustc in an environment variable, where a NUL is fatal.
    let description: String = code_text(&format!(
        "Generated from the OpenAPI description of {} {}",
        api.title, api.version
    ))
    .chars()
    .map(|c| match c {
        '"' => "\\\"".to_owned(),
        '\\' => "\\\\".to_owned(),
        c => c.to_string(),
    })
    .collect();
    let workspace = if options.standalone {
        "\n[workspace]\n"
    } else {
        ""
    };
    format!(
        "{header}[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\ndescription = \"{description}\"\n\n[features]\ndefault = [\"client\", \"server\"{full}]\n# The async HTTP client (reqwest with rustls); without it the crate is models and sans-IO requests.\nclient = [\"apigen-runtime/client\"]\n# The server trait and axum router.\nserver = [\"apigen-runtime/server\"]\n# `Serialize` on the types only responses reach (the server has it): to store or forward them.\nserialize = []\n# `Deserialize` on the types only requests reach (the server has it).\ndeserialize = []\n# `server::Mock`: a stateful server that answers every operation from the spec.\nmock = [\"server\"]\n{resources}\n[dependencies]\napigen-runtime = {{ path = \"{runtime}\", default-features = false }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n{workspace}",
        header = header.toml(),
        full = if features.names().is_empty() { "" } else { ", \"full\"" },
        resources = resource_features(features),
        name = options.name,
        runtime = options.runtime_path.replace('\\', "/"),
    )
}

/// The `[features]` entries of the resource groups: one per group, `full` for all of them.
fn resource_features(features: &Features) -> String {
    if features.names().is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "# Every resource group. Without it, only the groups enabled below are compiled (with\n# every type their operations reach).\nfull = [\n",
    );
    for name in features.names() {
        out.push_str(&format!("    \"{name}\",\n"));
    }
    out.push_str("]\n");
    for (group, name) in features.groups() {
        out.push_str(&format!(
            "# The operations of group `{group}` and the types they use.\n{name} = []\n"
        ));
    }
    if features.names().iter().any(|n| n == features::EXTRA_MODELS) {
        out.push_str(&format!(
            "# The types no operation uses (webhook payloads...).\n{} = []\n",
            features::EXTRA_MODELS
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    /// The lines written as text (`splice`) are what prettyplease prints for their tokens:
    /// every file of each spec generated both ways. The vendor specs beside the repository
    /// are in the list when they are there (CI has them).
    #[test]
    fn spliced_text_prints_as_its_tokens_would() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let specs = [
            "spec/stripe.yaml",
            "spec/doselect.yaml",
            "tests/corpus/twilio_api_v2010.json",
            "tests/corpus/xero_accounting.yaml",
            "../shared/specs/stripe/spec3-2023-09-12.yaml",
            "../shared/specs/other/asana-oas.yaml",
            "../shared/specs/other/box-openapi.json",
            "../shared/specs/other/openai-openapi.yaml",
            "../shared/specs/other/digitalocean/specification/DigitalOcean-public.v2.yaml",
        ];
        let options = CrateOptions {
            name: "spliced".to_owned(),
            runtime_path: "../runtime".to_owned(),
            standalone: false,
        };
        let mut compared = 0;
        for spec in specs {
            let path = std::path::PathBuf::from(format!("{root}/{spec}"));
            if spec.starts_with("../") && !path.exists() {
                continue;
            }
            let document = crate::load::load_file(&path).unwrap_or_else(|e| panic!("{spec}: {e}"));
            let api = crate::lower::lower_with_warnings(&document)
                .unwrap_or_else(|e| panic!("{spec}: {e}"))
                .api;
            let (spliced, _) = emit_with(&api, &options, &|_| {}, true).unwrap();
            let (printed, _) = emit_with(&api, &options, &|_| {}, false).unwrap();
            assert_eq!(spliced.len(), printed.len(), "{spec}");
            for (spliced, printed) in spliced.iter().zip(&printed) {
                assert_eq!(spliced.path, printed.path, "{spec}");
                if spliced.contents != printed.contents {
                    let line = spliced
                        .contents
                        .lines()
                        .zip(printed.contents.lines())
                        .position(|(a, b)| a != b)
                        .unwrap_or(0);
                    let around = |text: &str| {
                        text.lines()
                            .skip(line.saturating_sub(3))
                            .take(7)
                            .collect::<Vec<_>>()
                            .join("\n")
                    };
                    panic!(
                        "{spec}: {} differs at line {}:\nspliced:\n{}\nprinted:\n{}",
                        spliced.path,
                        line + 1,
                        around(&spliced.contents),
                        around(&printed.contents)
                    );
                }
            }
            compared += 1;
        }
        assert!(compared >= 4, "{compared} specs compared");
    }

    /// What is built as trees prints as its own tokens parsed would (as every other file
    /// is made), on specs with every kind of validation static and many feature gates.
    #[test]
    fn trees_print_as_their_tokens_parsed() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        for spec in [
            "spec/stripe.yaml",
            "spec/doselect.yaml",
            "tests/corpus/twilio_api_v2010.json",
            "tests/corpus/xero_accounting.yaml",
        ] {
            let document = crate::load::load_file(std::path::Path::new(&format!("{root}/{spec}")))
                .unwrap_or_else(|e| panic!("{spec}: {e}"));
            let api = crate::lower::lower_with_warnings(&document)
                .unwrap_or_else(|e| panic!("{spec}: {e}"))
                .api;
            let features = Features::new(&api);
            let modules: Vec<(String, Option<Gate>)> = (0..api.types.len())
                .map(|i| {
                    let gate = features.of_type(TypeId(i)).clone();
                    (format!("m{i}"), Some(gate))
                })
                .chain([("ids".to_owned(), None)])
                .collect();
            let files = [
                schemas_file(&api, &features, &Splicer::new(false)).unwrap(),
                module_index(&features, &modules, "doc").unwrap(),
            ];
            for file in files {
                let reparsed: syn::File = syn::parse2(file.to_token_stream()).unwrap();
                assert_eq!(
                    prettyplease::unparse(&file),
                    prettyplease::unparse(&reparsed),
                    "{spec}"
                );
            }
        }
    }
}

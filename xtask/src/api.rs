//! The public-API baseline: `cargo xtask api` writes, and `cargo xtask api --check` compares, one
//! sorted line per public item of each library crate in `api/<crate>.txt`.
//!
//! The items come from rustdoc's JSON output, which the stable toolchain produces under
//! `RUSTC_BOOTSTRAP=1` (no nightly toolchain and no extra tool to install). From the crate root,
//! every public module, re-export, type, field, variant, trait, constant and function is listed by
//! the path a user writes, functions and methods with their signatures, and each trait a type
//! implements (blanket implementations left out, auto traits kept: losing `Send` breaks users).
//! A line that disappears or changes is a change users may feel; the check fails on any
//! difference and says how to bless an intended one.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The published crates, whose API is kept.
pub const CRATES: &[&str] = &["retune-model", "retune-client", "mock-vertex"];

/// Where the baseline of `krate` lives.
pub fn baseline_path(krate: &str) -> PathBuf {
    Path::new("api").join(format!("{krate}.txt"))
}

/// Builds the rustdoc JSON of `krate` and returns its public API, one item per line, sorted.
pub fn public_api(krate: &str, cargo: &str, target_dir: &Path) -> Result<String> {
    let args = [
        "rustdoc",
        "--quiet",
        "--locked",
        "--package",
        krate,
        "--lib",
        "--all-features",
        "--",
        "-Z",
        "unstable-options",
        "--output-format",
        "json",
    ];
    eprintln!("$ RUSTC_BOOTSTRAP=1 cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .env("RUSTC_BOOTSTRAP", "1")
        .status()
        .context("could not start cargo rustdoc")?;
    if !status.success() {
        bail!("cargo rustdoc -p {krate} failed ({status})");
    }
    let json = target_dir
        .join("doc")
        .join(format!("{}.json", krate.replace('-', "_")));
    let text = fs::read_to_string(&json).with_context(|| format!("reading {}", json.display()))?;
    let doc: Value = serde_json::from_str(&text).context("rustdoc JSON")?;
    Ok(render(&doc)?
        .into_iter()
        .fold(String::new(), |mut out, line| {
            out.push_str(&line);
            out.push('\n');
            out
        }))
}

/// The sorted lines of a crate's public API.
fn render(doc: &Value) -> Result<BTreeSet<String>> {
    let root = doc["root"].to_string();
    let api = Api {
        index: &doc["index"],
    };
    let mut out = BTreeSet::new();
    let Some(name) = api.item(&root).and_then(|i| i["name"].as_str()) else {
        bail!("the rustdoc JSON has no root module");
    };
    api.module(&root, name, &mut out, &mut HashSet::new());
    if out.is_empty() {
        bail!("the rustdoc JSON lists no public item");
    }
    Ok(out)
}

struct Api<'a> {
    index: &'a Value,
}

impl Api<'_> {
    fn item(&self, id: &str) -> Option<&Value> {
        self.index.get(id)
    }

    fn module(&self, id: &str, path: &str, out: &mut BTreeSet<String>, seen: &mut HashSet<String>) {
        if !seen.insert(format!("{id} {path}")) {
            return;
        }
        let Some(items) = self
            .item(id)
            .and_then(|m| m["inner"]["module"]["items"].as_array())
        else {
            return;
        };
        for child in items {
            self.entry(&child.to_string(), path, None, out, seen);
        }
    }

    /// One item of a module at `parent::name`, where `name` is the item's own or, for a
    /// re-export, the name it is exported under.
    fn entry(
        &self,
        id: &str,
        parent: &str,
        name: Option<&str>,
        out: &mut BTreeSet<String>,
        seen: &mut HashSet<String>,
    ) {
        let Some(item) = self.item(id) else {
            return;
        };
        if item["visibility"] != "public" && name.is_none() {
            return;
        }
        let inner = &item["inner"];
        let own = item["name"].as_str().unwrap_or("_");
        let path = format!("{parent}::{}", name.unwrap_or(own));
        let attrs = if item["attrs"].to_string().contains("non_exhaustive") {
            "#[non_exhaustive] "
        } else {
            ""
        };
        if let Some(u) = inner.get("use") {
            let target = u["id"].to_string();
            let source = u["source"].as_str().unwrap_or("?");
            match self.item(&target) {
                Some(_) if u["is_glob"] == true => self.module(&target, parent, out, seen),
                Some(_) => {
                    let alias = u["name"].as_str().unwrap_or(own);
                    self.entry(&target, parent, Some(alias), out, seen);
                }
                None => {
                    out.insert(format!(
                        "pub use {parent}::{} = {source}",
                        u["name"].as_str().unwrap_or(own)
                    ));
                }
            }
        } else if inner.get("module").is_some() {
            out.insert(format!("mod {path}"));
            self.module(id, &path, out, seen);
        } else if let Some(s) = inner.get("struct") {
            out.insert(format!(
                "{attrs}struct {path}{}",
                self.generics(&s["generics"])
            ));
            let kind = &s["kind"];
            if let Some(fields) = kind["plain"]["fields"].as_array() {
                self.fields(fields, &path, out);
                if kind["plain"]["has_stripped_fields"] == true {
                    out.insert(format!("struct {path} has private fields"));
                }
            } else if let Some(fields) = kind["tuple"].as_array() {
                let shown: Vec<_> = fields
                    .iter()
                    .map(|f| match self.item(&f.to_string()) {
                        Some(f) => self.ty(&f["inner"]["struct_field"]),
                        None => "_".to_owned(),
                    })
                    .collect();
                out.insert(format!("struct {path}({})", shown.join(", ")));
            }
            self.impls(&s["impls"], &path, out);
        } else if let Some(e) = inner.get("enum") {
            out.insert(format!(
                "{attrs}enum {path}{}",
                self.generics(&e["generics"])
            ));
            for v in e["variants"].as_array().into_iter().flatten() {
                let Some(variant) = self.item(&v.to_string()) else {
                    continue;
                };
                let vpath = format!("{path}::{}", variant["name"].as_str().unwrap_or("_"));
                let kind = &variant["inner"]["variant"]["kind"];
                if let Some(fields) = kind["tuple"].as_array() {
                    let shown: Vec<_> = fields
                        .iter()
                        .map(|f| match self.item(&f.to_string()) {
                            Some(f) => self.ty(&f["inner"]["struct_field"]),
                            None => "_".to_owned(),
                        })
                        .collect();
                    out.insert(format!("variant {vpath}({})", shown.join(", ")));
                } else if let Some(fields) = kind["struct"]["fields"].as_array() {
                    out.insert(format!("variant {vpath} {{ .. }}"));
                    self.fields(fields, &vpath, out);
                } else {
                    out.insert(format!("variant {vpath}"));
                }
            }
            self.impls(&e["impls"], &path, out);
        } else if let Some(t) = inner.get("trait") {
            out.insert(format!(
                "{attrs}trait {path}{}",
                self.generics(&t["generics"])
            ));
            for i in t["items"].as_array().into_iter().flatten() {
                self.member(&i.to_string(), &path, out, true);
            }
        } else if let Some(f) = inner.get("function") {
            out.insert(self.function(&path, f));
        } else if let Some(c) = inner.get("constant") {
            out.insert(format!("const {path}: {}", self.ty(&c["type"])));
        } else if let Some(s) = inner.get("static") {
            out.insert(format!("static {path}: {}", self.ty(&s["type"])));
        } else if let Some(t) = inner.get("type_alias") {
            out.insert(format!(
                "type {path}{} = {}",
                self.generics(&t["generics"]),
                self.ty(&t["type"])
            ));
        } else if inner.get("macro").is_some() {
            out.insert(format!("macro {path}!"));
        } else if let Some(kind) = inner.as_object().and_then(|o| o.keys().next()) {
            out.insert(format!("{kind} {path}"));
        }
    }

    fn fields(&self, fields: &[Value], path: &str, out: &mut BTreeSet<String>) {
        for f in fields {
            if let Some(field) = self.item(&f.to_string())
                && field["visibility"] != "crate"
            {
                out.insert(format!(
                    "field {path}.{}: {}",
                    field["name"].as_str().unwrap_or("_"),
                    self.ty(&field["inner"]["struct_field"])
                ));
            }
        }
    }

    /// Inherent methods and implemented traits of a type (blanket implementations left out).
    fn impls(&self, impls: &Value, path: &str, out: &mut BTreeSet<String>) {
        for i in impls.as_array().into_iter().flatten() {
            let Some(imp) = self.item(&i.to_string()) else {
                continue;
            };
            let imp = &imp["inner"]["impl"];
            if !imp["blanket_impl"].is_null() {
                continue;
            }
            if imp["trait"].is_null() {
                for m in imp["items"].as_array().into_iter().flatten() {
                    self.member(&m.to_string(), path, out, false);
                }
            } else {
                let negative = if imp["is_negative"] == true { "!" } else { "" };
                out.insert(format!(
                    "impl{} {negative}{} for {}",
                    self.generics(&imp["generics"]),
                    self.path(&imp["trait"]),
                    self.ty(&imp["for"])
                ));
            }
        }
    }

    /// A method, associated constant or associated type of a type (`trait_item`: of a trait,
    /// whose items are public with no visibility of their own).
    fn member(&self, id: &str, path: &str, out: &mut BTreeSet<String>, trait_item: bool) {
        let Some(item) = self.item(id) else {
            return;
        };
        if !trait_item && item["visibility"] != "public" {
            return;
        }
        let name = item["name"].as_str().unwrap_or("_");
        let inner = &item["inner"];
        let mpath = format!("{path}::{name}");
        if let Some(f) = inner.get("function") {
            out.insert(self.function(&mpath, f));
        } else if let Some(c) = inner.get("assoc_const") {
            out.insert(format!("const {mpath}: {}", self.ty(&c["type"])));
        } else if let Some(t) = inner.get("assoc_type") {
            let bounds = self.bounds(&t["bounds"]);
            let bounds = if bounds.is_empty() {
                String::new()
            } else {
                format!(": {bounds}")
            };
            out.insert(format!("type {mpath}{bounds}"));
        }
    }

    fn function(&self, path: &str, f: &Value) -> String {
        let header = &f["header"];
        let mut quals = String::new();
        for (flag, word) in [
            ("is_const", "const "),
            ("is_async", "async "),
            ("is_unsafe", "unsafe "),
        ] {
            if header[flag] == true {
                quals.push_str(word);
            }
        }
        let sig = &f["sig"];
        let inputs: Vec<_> = sig["inputs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|input| {
                let name = input[0].as_str().unwrap_or("_");
                let ty = self.ty(&input[1]);
                match (name, ty.as_str()) {
                    ("self", "Self") => "self".to_owned(),
                    ("self", "&Self") => "&self".to_owned(),
                    ("self", "&mut Self") => "&mut self".to_owned(),
                    _ => format!("{name}: {ty}"),
                }
            })
            .collect();
        let output = if sig["output"].is_null() {
            String::new()
        } else {
            format!(" -> {}", self.ty(&sig["output"]))
        };
        format!(
            "{quals}fn {path}{}({}){output}{}",
            self.generics(&f["generics"]),
            inputs.join(", "),
            self.where_clause(&f["generics"])
        )
    }

    fn generics(&self, generics: &Value) -> String {
        let params: Vec<_> = generics["params"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["kind"]["type"]["is_synthetic"] != true)
            .map(|p| {
                let name = p["name"].as_str().unwrap_or("_");
                let kind = &p["kind"];
                if let Some(t) = kind.get("type") {
                    let bounds = self.bounds(&t["bounds"]);
                    if bounds.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{name}: {bounds}")
                    }
                } else if let Some(c) = kind.get("const") {
                    format!("const {name}: {}", self.ty(&c["type"]))
                } else {
                    name.to_owned()
                }
            })
            .collect();
        if params.is_empty() {
            String::new()
        } else {
            format!("<{}>", params.join(", "))
        }
    }

    fn where_clause(&self, generics: &Value) -> String {
        let preds: Vec<_> = generics["where_predicates"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let b = p.get("bound_predicate")?;
                Some(format!(
                    "{}: {}",
                    self.ty(&b["type"]),
                    self.bounds(&b["bounds"])
                ))
            })
            .collect();
        if preds.is_empty() {
            String::new()
        } else {
            format!(" where {}", preds.join(", "))
        }
    }

    fn bounds(&self, bounds: &Value) -> String {
        let shown: Vec<_> = bounds
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| {
                if let Some(t) = b.get("trait_bound") {
                    let maybe = if t["modifier"] == "maybe" { "?" } else { "" };
                    format!("{maybe}{}", self.path(&t["trait"]))
                } else if let Some(l) = b.get("outlives") {
                    l.as_str().unwrap_or("'_").to_owned()
                } else {
                    "_".to_owned()
                }
            })
            .collect();
        shown.join(" + ")
    }

    /// A path to a type or trait in a signature, by its last segment and its generic arguments:
    /// the item's own line gives its public path, and which private module defines it (or how
    /// a foreign one was imported) is not part of the API.
    fn path(&self, p: &Value) -> String {
        let written = p["path"].as_str().unwrap_or("_");
        let name = written.rsplit("::").next().unwrap_or(written);
        format!("{name}{}", self.args(&p["args"]))
    }

    fn args(&self, args: &Value) -> String {
        if let Some(a) = args.get("angle_bracketed") {
            let mut shown: Vec<String> = a["args"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|g| {
                    if let Some(t) = g.get("type") {
                        self.ty(t)
                    } else if let Some(l) = g.get("lifetime") {
                        l.as_str().unwrap_or("'_").to_owned()
                    } else if let Some(c) = g.get("const") {
                        c["expr"].as_str().unwrap_or("_").to_owned()
                    } else {
                        "_".to_owned()
                    }
                })
                .collect();
            for c in a["constraints"].as_array().into_iter().flatten() {
                let name = c["name"].as_str().unwrap_or("_");
                if let Some(t) = c["binding"].get("equality").and_then(|e| e.get("type")) {
                    shown.push(format!("{name} = {}", self.ty(t)));
                } else {
                    shown.push(format!(
                        "{name}: {}",
                        self.bounds(&c["binding"]["constraint"])
                    ));
                }
            }
            if shown.is_empty() {
                String::new()
            } else {
                format!("<{}>", shown.join(", "))
            }
        } else if let Some(p) = args.get("parenthesized") {
            let inputs: Vec<_> = p["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| self.ty(t))
                .collect();
            let output = if p["output"].is_null() {
                String::new()
            } else {
                format!(" -> {}", self.ty(&p["output"]))
            };
            format!("({}){output}", inputs.join(", "))
        } else {
            String::new()
        }
    }

    fn ty(&self, t: &Value) -> String {
        if let Some(p) = t.get("resolved_path") {
            self.path(p)
        } else if let Some(g) = t.get("generic").and_then(Value::as_str) {
            g.to_owned()
        } else if let Some(p) = t.get("primitive").and_then(Value::as_str) {
            p.to_owned()
        } else if let Some(r) = t.get("borrowed_ref") {
            let mut s = "&".to_owned();
            if let Some(l) = r["lifetime"].as_str() {
                let _ = write!(s, "{l} ");
            }
            if r["is_mutable"] == true {
                s.push_str("mut ");
            }
            s + &self.ty(&r["type"])
        } else if let Some(items) = t.get("tuple").and_then(Value::as_array) {
            let shown: Vec<_> = items.iter().map(|i| self.ty(i)).collect();
            format!("({})", shown.join(", "))
        } else if let Some(s) = t.get("slice") {
            format!("[{}]", self.ty(s))
        } else if let Some(a) = t.get("array") {
            format!(
                "[{}; {}]",
                self.ty(&a["type"]),
                a["len"].as_str().unwrap_or("_")
            )
        } else if let Some(p) = t.get("raw_pointer") {
            let m = if p["is_mutable"] == true {
                "mut"
            } else {
                "const"
            };
            format!("*{m} {}", self.ty(&p["type"]))
        } else if let Some(b) = t.get("impl_trait") {
            format!("impl {}", self.bounds(b))
        } else if let Some(d) = t.get("dyn_trait") {
            let mut traits: Vec<_> = d["traits"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| self.path(&p["trait"]))
                .collect();
            if let Some(l) = d["lifetime"].as_str() {
                traits.push(l.to_owned());
            }
            format!("dyn {}", traits.join(" + "))
        } else if let Some(q) = t.get("qualified_path") {
            let name = q["name"].as_str().unwrap_or("_");
            if q["trait"].is_null() {
                format!("{}::{name}", self.ty(&q["self_type"]))
            } else {
                format!(
                    "<{} as {}>::{name}",
                    self.ty(&q["self_type"]),
                    self.path(&q["trait"])
                )
            }
        } else if let Some(f) = t.get("function_pointer") {
            let inputs: Vec<_> = f["sig"]["inputs"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| self.ty(&i[1]))
                .collect();
            let output = if f["sig"]["output"].is_null() {
                String::new()
            } else {
                format!(" -> {}", self.ty(&f["sig"]["output"]))
            };
            format!("fn({}){output}", inputs.join(", "))
        } else if t == "infer" {
            "_".to_owned()
        } else {
            t.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_render_as_written() {
        let api = Api {
            index: &Value::Null,
        };
        let model_ref = serde_json::json!({"resolved_path": {"path": "crate::names::ModelRef", "id": 7, "args": null}});
        let t = serde_json::json!({"borrowed_ref": {"lifetime": null, "is_mutable": false, "type": model_ref}});
        assert_eq!(api.ty(&t), "&ModelRef");
        let vec = serde_json::json!({"resolved_path": {"path": "alloc::vec::Vec", "id": 9,
            "args": {"angle_bracketed": {"args": [{"type": {"primitive": "u8"}}], "constraints": []}}}});
        assert_eq!(api.ty(&vec), "Vec<u8>");
        assert_eq!(
            api.ty(&serde_json::json!({"slice": {"generic": "T"}})),
            "[T]"
        );
    }
}

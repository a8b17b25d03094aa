//! Field selections over a JSON response: the `fields` system parameter (partial responses,
//! `fields=tuningJobs(name,state),nextPageToken`) and a list request's `read_mask`
//! (`google.protobuf.FieldMask`, `display_name,labels`), both applied by pruning the answer.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::rpc::Rpc;

/// Which fields of a JSON value to keep: each named field, with the selection of its own
/// fields (an empty selection keeps the whole field). Names are camelCase, as in the response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    fields: BTreeMap<String, Selection>,
}

/// A `fields` value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid field selection {input}")]
pub struct SelectionError {
    input: String,
}

/// `snake_case` to `camelCase` (`next_page_token` is `nextPageToken`); camelCase stays.
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

impl Selection {
    /// Whether it keeps everything (no field named).
    pub fn is_everything(&self) -> bool {
        self.fields.is_empty()
    }

    /// Adds a path of field names (`["tuned_model", "model"]`).
    fn add_path<'a>(&mut self, path: impl IntoIterator<Item = &'a str>) {
        let mut node = self;
        for name in path {
            node = node.fields.entry(camel(name)).or_default();
        }
    }

    /// The `fields` system parameter: comma-separated paths, `/` between nested fields, and
    /// `field(sub,selection)` for several fields of one field.
    ///
    /// ```
    /// use retune_model::wire::Selection;
    /// use serde_json::json;
    /// let s = Selection::parse_fields("tuningJobs(name,state),nextPageToken").unwrap();
    /// let mut v = json!({"tuningJobs": [{"name": "n", "state": 4, "baseModel": "b"}], "nextPageToken": "t", "x": 1});
    /// s.apply(&mut v);
    /// assert_eq!(v, json!({"tuningJobs": [{"name": "n", "state": 4}], "nextPageToken": "t"}));
    /// ```
    pub fn parse_fields(input: &str) -> Result<Selection, SelectionError> {
        let error = || SelectionError {
            input: input.to_owned(),
        };
        let chars: Vec<char> = input.chars().filter(|c| !c.is_whitespace()).collect();
        let mut pos = 0;
        let selection = parse_list(&chars, &mut pos).ok_or_else(error)?;
        if pos != chars.len() || selection.is_everything() {
            return Err(error());
        }
        Ok(selection)
    }

    /// A `google.protobuf.FieldMask` in its query form: comma-separated paths, `.` between
    /// nested fields, snake_case or camelCase.
    pub fn from_mask_paths<'a>(paths: impl IntoIterator<Item = &'a str>) -> Selection {
        let mut selection = Selection::default();
        for path in paths {
            let path = path.trim();
            if !path.is_empty() {
                selection.add_path(path.split('.'));
            }
        }
        selection
    }

    /// Keeps only the selected fields of `value`; in an array, of each element.
    pub fn apply(&self, value: &mut Value) {
        if self.is_everything() {
            return;
        }
        match value {
            Value::Array(items) => items.iter_mut().for_each(|item| self.apply(item)),
            Value::Object(map) => {
                map.retain(|key, _| self.fields.contains_key(key));
                for (key, inner) in map.iter_mut() {
                    if let Some(sub) = self.fields.get(key) {
                        sub.apply(inner);
                    }
                }
            }
            _ => {}
        }
    }

    /// The selection a list's `read_mask` makes of its response: the masked fields of each
    /// listed resource, and the page token. `None` for a method without `read_mask`
    /// (`ListModelsRequest`, `ListModelVersionsRequest`, `ListEndpointsRequest` have one).
    pub fn of_read_mask(rpc: Rpc, mask: &Selection) -> Option<Selection> {
        let items = match rpc {
            Rpc::ListModels | Rpc::ListModelVersions => "models",
            Rpc::ListEndpoints => "endpoints",
            _ => return None,
        };
        if mask.is_everything() {
            return None;
        }
        let mut fields = BTreeMap::new();
        fields.insert(items.to_owned(), mask.clone());
        fields.insert("nextPageToken".to_owned(), Selection::default());
        Some(Selection { fields })
    }
}

/// `path(,path)*`, stopping before `)` or the end.
fn parse_list(chars: &[char], pos: &mut usize) -> Option<Selection> {
    let mut selection = Selection::default();
    loop {
        parse_path(chars, pos, &mut selection)?;
        match chars.get(*pos) {
            Some(',') => *pos += 1,
            _ => return Some(selection),
        }
    }
}

/// `name(/name)*` optionally followed by `(list)`, added to `into`.
fn parse_path(chars: &[char], pos: &mut usize, into: &mut Selection) -> Option<()> {
    let mut node = into;
    loop {
        let start = *pos;
        while chars
            .get(*pos)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '*')
        {
            *pos += 1;
        }
        if *pos == start {
            return None;
        }
        let name: String = chars[start..*pos].iter().collect();
        node = node.fields.entry(camel(&name)).or_default();
        match chars.get(*pos) {
            Some('/') => *pos += 1,
            Some('(') => {
                *pos += 1;
                let sub = parse_list(chars, pos)?;
                if chars.get(*pos) != Some(&')') {
                    return None;
                }
                *pos += 1;
                for (k, v) in sub.fields {
                    node.fields.insert(k, v);
                }
                return Some(());
            }
            _ => return Some(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn nested_paths_and_groups_select_the_same_fields() {
        let a = Selection::parse_fields("tunedModel/model,tunedModel/endpoint").unwrap();
        let b = Selection::parse_fields("tunedModel(model,endpoint)").unwrap();
        assert_eq!(a, b);
        let mut v = json!({"tunedModel": {"model": "m", "endpoint": "e", "x": 1}, "name": "n"});
        a.apply(&mut v);
        assert_eq!(v, json!({"tunedModel": {"model": "m", "endpoint": "e"}}));
    }

    #[test]
    fn snake_case_names_select_camel_case_fields() {
        let s = Selection::from_mask_paths("display_name,labels".split(','));
        let mut v = json!({"displayName": "d", "labels": {"a": "b"}, "name": "n"});
        s.apply(&mut v);
        assert_eq!(v, json!({"displayName": "d", "labels": {"a": "b"}}));
    }

    #[test]
    fn malformed_selections_are_errors() {
        for bad in ["", "a(", "a(b", "a)", ",", "a,,b", "a//b", "(a)"] {
            assert!(Selection::parse_fields(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_read_mask_keeps_the_page_token() {
        let mask = Selection::from_mask_paths(["name"]);
        let s = Selection::of_read_mask(Rpc::ListModels, &mask).unwrap();
        let mut v = json!({"models": [{"name": "n", "displayName": "d"}], "nextPageToken": "t"});
        s.apply(&mut v);
        assert_eq!(v, json!({"models": [{"name": "n"}], "nextPageToken": "t"}));
        assert!(Selection::of_read_mask(Rpc::ListTuningJobs, &mask).is_none());
    }

    proptest! {
        #[test]
        fn applying_a_selection_twice_changes_nothing_more(fields in "[a-c]{1,2}(,[a-c]{1,2}(/[a-c])?){0,3}") {
            let s = Selection::parse_fields(&fields).unwrap();
            let mut v = json!({"a": {"a": 1, "b": 2}, "b": [{"a": 1, "c": 2}], "c": 3, "ab": {"c": 1}});
            s.apply(&mut v);
            let once = v.clone();
            s.apply(&mut v);
            prop_assert_eq!(v, once);
        }
    }
}

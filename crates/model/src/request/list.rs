//! List requests: `page_size`, `page_token`, `filter` and `order_by` of the five list methods,
//! checked together, and the rule for which version ListModelVersionCheckpoints lists.

use std::fmt;

use super::filter::{Filter, FilterError, Op};
use super::order_by::{OrderBy, OrderKey};
use super::page_token::PageToken;
use super::{Violation, finish, violations_error};
use crate::names::{ModelRef, VersionSelector};

/// `page_size` when the request gives none (or 0): the emulator's choice, as AIP-158 leaves it
/// to the service.
pub const DEFAULT_PAGE_SIZE: usize = 100;

/// Larger `page_size` values are lowered to this (AIP-158: coerce, do not reject).
pub const MAX_PAGE_SIZE: usize = 1000;

/// The list methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListKind {
    /// `ListTuningJobs`: newest first; a page token holds the number of the last job shown.
    TuningJobs,
    /// `ListModels`.
    Models,
    /// `ListModelVersions`.
    ModelVersions,
    /// `ListModelVersionCheckpoints`.
    ModelVersionCheckpoints,
    /// `ListOperations`.
    Operations,
}

/// `=` and `!=`.
const EQUALITY: &[Op] = &[Op::Eq, Op::Ne];
/// `=`, `!=` and `:` (has).
const TEXT: &[Op] = &[Op::Eq, Op::Ne, Op::Has];
/// Every comparison (`:` only as `:*`, "is set": [`Filter::check_values`]).
const ORDERED: &[Op] = &[Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::Has];
/// `=` only.
const EQUAL: &[Op] = &[Op::Eq];
/// `labels.key=value` and `labels.key:*` / `labels:key`, as model_service.proto documents.
const MAP: &[Op] = &[Op::Eq, Op::Has];

/// Filter fields of ListTuningJobs (and `labels.{key}`) with their operators. The
/// `ListTuningJobsRequest.filter` of google/cloud/aiplatform/v1/genai_tuning_service.proto is
/// "The standard list filter": the AIP-160 comparisons on fields of `TuningJob`
/// (tuning_job.proto). `display_name` is not one (a job has `tuned_model_display_name`).
const JOB_FILTER_FIELDS: &[(&str, &[Op])] = &[
    ("state", EQUALITY),
    ("tuned_model_display_name", TEXT),
    ("base_model", TEXT),
    ("name", TEXT),
    ("description", TEXT),
    ("create_time", ORDERED),
    ("update_time", ORDERED),
];

/// Filter fields of ListModels (and `labels.{key}`), exactly as `ListModelsRequest.filter` of
/// google/cloud/aiplatform/v1/model_service.proto documents them: "`model` supports = and !=",
/// "`display_name` supports = and !=", "`base_model_name` only supports =".
const MODEL_FILTER_FIELDS: &[(&str, &[Op])] = &[
    ("model", EQUALITY),
    ("display_name", EQUALITY),
    ("base_model_name", EQUAL),
];

/// Filter fields of ListOperations: `google.longrunning.ListOperationsRequest.filter` of
/// google/longrunning/operations.proto is "The standard list filter", the AIP-160 comparisons
/// on fields of `Operation`: its `name` and whether it is `done` (`done=true`).
const OPERATION_FILTER_FIELDS: &[(&str, &[Op])] = &[("name", TEXT), ("done", EQUALITY)];

impl ListKind {
    /// Every list method.
    pub const ALL: [ListKind; 5] = [
        ListKind::TuningJobs,
        ListKind::Models,
        ListKind::ModelVersions,
        ListKind::ModelVersionCheckpoints,
        ListKind::Operations,
    ];

    /// The RPC name.
    pub fn rpc_name(self) -> &'static str {
        match self {
            ListKind::TuningJobs => "ListTuningJobs",
            ListKind::Models => "ListModels",
            ListKind::ModelVersions => "ListModelVersions",
            ListKind::ModelVersionCheckpoints => "ListModelVersionCheckpoints",
            ListKind::Operations => "ListOperations",
        }
    }

    pub(crate) fn tag(self) -> u8 {
        match self {
            ListKind::TuningJobs => b'j',
            ListKind::Models => b'm',
            ListKind::ModelVersions => b'v',
            ListKind::ModelVersionCheckpoints => b'c',
            ListKind::Operations => b'o',
        }
    }

    pub(crate) fn from_tag(tag: u8) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.tag() == tag)
    }

    /// The fields a filter may name (snake_case) and the operators each takes, besides
    /// `labels.{key}` where [`ListKind::filters_on_labels`]. ListModelVersions filters on labels
    /// only (`ListModelVersionsRequest.filter`); ListModelVersionCheckpoints has no filter;
    /// ListOperations filters on an operation's `name` and `done`.
    pub fn filter_fields(self) -> &'static [(&'static str, &'static [Op])] {
        match self {
            ListKind::TuningJobs => JOB_FILTER_FIELDS,
            ListKind::Models => MODEL_FILTER_FIELDS,
            ListKind::Operations => OPERATION_FILTER_FIELDS,
            ListKind::ModelVersions | ListKind::ModelVersionCheckpoints => &[],
        }
    }

    /// Whether a filter may name `labels.{key}` (or `labels:key`).
    pub fn filters_on_labels(self) -> bool {
        matches!(
            self,
            ListKind::TuningJobs | ListKind::Models | ListKind::ModelVersions
        )
    }

    /// The operators a filter may apply to `field` (snake_case, `labels.k` for a label), or
    /// `None` for a field the filter may not name.
    pub fn filter_operators(self, field: &str) -> Option<&'static [Op]> {
        if field.starts_with("labels.") {
            return match self {
                ListKind::TuningJobs => Some(TEXT),
                ListKind::Models | ListKind::ModelVersions => Some(MAP),
                _ => None,
            };
        }
        self.filter_fields()
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, ops)| *ops)
    }

    /// The keys `order_by` may name (none: the list has one order). Spec §5.2: ListModels takes
    /// `display_name`, `create_time` and `update_time`; ListModelVersions the two times; the
    /// other requests have no `order_by` field.
    pub fn order_by_keys(self) -> &'static [OrderKey] {
        match self {
            ListKind::Models => &[
                OrderKey::DisplayName,
                OrderKey::CreateTime,
                OrderKey::UpdateTime,
            ],
            ListKind::ModelVersions => &[OrderKey::CreateTime, OrderKey::UpdateTime],
            ListKind::TuningJobs | ListKind::ModelVersionCheckpoints | ListKind::Operations => &[],
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.rpc_name())
    }
}

/// The list parameters as received (query parameters, percent-decoded; `None` or `""` is
/// "not set", as the official Rust crate sends `pageSize=0&pageToken=` for that).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListQuery<'a> {
    /// `pageSize`.
    pub page_size: Option<&'a str>,
    /// `pageToken`.
    pub page_token: Option<&'a str>,
    /// `filter`.
    pub filter: Option<&'a str>,
    /// `orderBy`.
    pub order_by: Option<&'a str>,
}

violations_error! {
    /// A list request with bad paging, filter or order: every problem, each naming its
    /// parameter (`page_size`, `page_token`, `filter`, `order_by`, or `name`).
    ListRequestError
}

/// A checked list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRequest {
    kind: ListKind,
    page_size: usize,
    start: Option<u64>,
    filter: Filter,
    order_by: OrderBy,
    binding: String,
}

/// Checks the parameters of a list of `kind` under `scope` (the parent or model name the
/// request names; page tokens are bound to it).
///
/// Rules: `page_size` is an int32, not negative; 0 or unset is [`DEFAULT_PAGE_SIZE`], more
/// than [`MAX_PAGE_SIZE`] is that maximum. `filter` parses ([`Filter::parse`]) and names only
/// [`ListKind::filter_operators`] fields and operators; `order_by` parses ([`OrderBy::parse`]) with
/// [`ListKind::order_by_keys`]; `page_token` is a token this list issued for the same scope,
/// filter and order ([`PageToken`]).
///
/// ```
/// use retune_model::request::{check_list, ListKind, ListQuery, DEFAULT_PAGE_SIZE};
/// let scope = "projects/p/locations/us-central1";
/// let first = check_list(ListKind::Models, scope, &ListQuery::default()).unwrap();
/// assert_eq!(first.page_size(), DEFAULT_PAGE_SIZE);
/// let token = first.next_page_token(100);
/// let again = ListQuery { page_token: Some(&token), ..ListQuery::default() };
/// assert_eq!(check_list(ListKind::Models, scope, &again).unwrap().start(), Some(100));
///
/// // The same token with another filter, and a blank page size: both named.
/// let bad = ListQuery { page_size: Some(" "), page_token: Some(&token), filter: Some("labels.a:*"), ..again };
/// let err = check_list(ListKind::Models, scope, &bad).unwrap_err();
/// let fields: Vec<_> = err.violations().iter().map(|v| v.field.as_str()).collect();
/// assert_eq!(fields, ["page_size", "page_token"]);
/// ```
pub fn check_list(
    kind: ListKind,
    scope: &str,
    query: &ListQuery<'_>,
) -> Result<ListRequest, ListRequestError> {
    let mut violations = Vec::new();
    let page_size = match parse_page_size(query.page_size) {
        Ok(size) => size,
        Err(v) => {
            violations.push(v);
            DEFAULT_PAGE_SIZE
        }
    };
    let filter_text = query.filter.map(str::trim).unwrap_or_default();
    let filter = Filter::parse(Some(filter_text))
        .and_then(|f| {
            f.check_fields(|field| kind.filter_operators(field))?;
            f.check_values()?;
            Ok(f)
        })
        .map_err(|e| violations.push(filter_violation(&e)))
        .ok();
    let order_by = OrderBy::parse(query.order_by, kind.order_by_keys())
        .map_err(|e| violations.push(Violation::invalid("order_by", e.to_string())))
        .ok();
    let mut request = ListRequest {
        kind,
        page_size,
        start: None,
        binding: String::new(),
        filter: filter.clone().unwrap_or_default(),
        order_by: order_by.clone().unwrap_or_default(),
    };
    // A token is read only against a request whose filter and order parse: the binding is
    // their canonical forms.
    if let (Some(filter), Some(order_by)) = (&filter, &order_by) {
        request.binding = format!("{scope}\n{}\n{}", filter.canonical(), order_by.canonical());
        if let Some(token) = query.page_token.filter(|t| !t.is_empty()) {
            match PageToken::decode(token, kind, &request.binding) {
                Ok(token) => request.start = Some(token.position()),
                Err(e) => violations.push(Violation::invalid("page_token", e.to_string())),
            }
        }
    }
    finish(violations, || request, ListRequestError::new)
}

fn filter_violation(err: &FilterError) -> Violation {
    Violation::invalid("filter", err.to_string())
}

fn parse_page_size(raw: Option<&str>) -> Result<usize, Violation> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    let n: i32 = raw.parse().map_err(|_| {
        Violation::invalid(
            "page_size",
            format!("Invalid value at 'page_size' (TYPE_INT32), \"{raw}\""),
        )
    })?;
    match n {
        0 => Ok(DEFAULT_PAGE_SIZE),
        n if n < 0 => Err(Violation::invalid(
            "page_size",
            format!("page_size must not be negative (got {n})."),
        )),
        n => Ok(usize::try_from(n)
            .unwrap_or(MAX_PAGE_SIZE)
            .min(MAX_PAGE_SIZE)),
    }
}

impl ListRequest {
    /// The list method.
    pub fn kind(&self) -> ListKind {
        self.kind
    }

    /// How many items a page holds at most.
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// Where the page starts, from the page token: an offset, or (ListTuningJobs) the number of
    /// the last job of the previous page. `None` on the first page.
    pub fn start(&self) -> Option<u64> {
        self.start
    }

    /// The parsed filter (matches everything when none was given).
    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    /// The parsed order (the list's natural order when none was given).
    pub fn order_by(&self) -> &OrderBy {
        &self.order_by
    }

    /// The token of the page that starts at `position`, bound to this request.
    pub fn next_page_token(&self, position: u64) -> String {
        PageToken::new(self.kind, position).encode(&self.binding)
    }

    /// One page of `items` by offset, and the token of the next page (empty on the last).
    ///
    /// ```
    /// use retune_model::request::{check_list, ListKind, ListQuery};
    /// let q = ListQuery { page_size: Some("2"), ..ListQuery::default() };
    /// let request = check_list(ListKind::Operations, "p", &q).unwrap();
    /// let (page, next) = request.page(vec![1, 2, 3]);
    /// assert_eq!(page, [1, 2]);
    /// let q = ListQuery { page_token: Some(&next), ..q };
    /// let (page, next) = check_list(ListKind::Operations, "p", &q).unwrap().page(vec![1, 2, 3]);
    /// assert_eq!((page, next.as_str()), (vec![3], ""));
    /// ```
    pub fn page<T>(&self, items: Vec<T>) -> (Vec<T>, String) {
        let start = usize::try_from(self.start.unwrap_or(0)).unwrap_or(usize::MAX);
        let total = items.len();
        let page: Vec<T> = items.into_iter().skip(start).take(self.page_size).collect();
        let end = start.saturating_add(page.len());
        let next = if end < total {
            self.next_page_token(end as u64)
        } else {
            String::new()
        };
        (page, next)
    }
}

/// ListModelVersions names a model, not a version.
///
/// ```
/// use retune_model::names::ModelRef;
/// use retune_model::request::check_model_versions_parent;
/// let bare: ModelRef = "projects/p/locations/us-central1/models/9".parse().unwrap();
/// assert!(check_model_versions_parent(&bare).is_ok());
/// let versioned: ModelRef = "projects/p/locations/us-central1/models/9@2".parse().unwrap();
/// assert_eq!(check_model_versions_parent(&versioned).unwrap_err().violations()[0].field, "name");
/// ```
pub fn check_model_versions_parent(model: &ModelRef) -> Result<(), ListRequestError> {
    match model.selector() {
        None => Ok(()),
        Some(_) => Err(ListRequestError::new(vec![Violation::invalid(
            "name",
            format!(
                "ListModelVersions takes a model name without a version, such as {}.",
                model.name()
            ),
        )])),
    }
}

/// Which version ListModelVersionCheckpoints lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointsVersion<'a> {
    /// No version named: the **latest** version (the highest id), as the proto comment says.
    Latest,
    /// `@version` or `@alias`: that version.
    Selected(&'a VersionSelector),
}

/// The version whose checkpoints ListModelVersionCheckpoints on `model` lists.
///
/// ```
/// use retune_model::names::ModelRef;
/// use retune_model::request::{checkpoints_version, CheckpointsVersion};
/// let bare: ModelRef = "projects/p/locations/us-central1/models/9".parse().unwrap();
/// assert_eq!(checkpoints_version(&bare), CheckpointsVersion::Latest);
/// let golden: ModelRef = "projects/p/locations/us-central1/models/9@golden".parse().unwrap();
/// assert!(matches!(checkpoints_version(&golden), CheckpointsVersion::Selected(_)));
/// ```
pub fn checkpoints_version(model: &ModelRef) -> CheckpointsVersion<'_> {
    match model.selector() {
        None => CheckpointsVersion::Latest,
        Some(selector) => CheckpointsVersion::Selected(selector),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<'a>(page_size: &'a str, filter: &'a str, order_by: &'a str) -> ListQuery<'a> {
        ListQuery {
            page_size: Some(page_size),
            page_token: None,
            filter: Some(filter),
            order_by: Some(order_by),
        }
    }

    fn fields(err: &ListRequestError) -> Vec<&str> {
        err.violations().iter().map(|v| v.field.as_str()).collect()
    }

    #[test]
    fn page_size_is_defaulted_capped_and_checked() {
        let size = |raw: &str| {
            check_list(ListKind::Models, "p", &query(raw, "", "")).map(|r| r.page_size())
        };
        assert_eq!(size(""), Ok(DEFAULT_PAGE_SIZE));
        assert_eq!(size("0"), Ok(DEFAULT_PAGE_SIZE));
        assert_eq!(size("7"), Ok(7));
        assert_eq!(size("5000"), Ok(MAX_PAGE_SIZE));
        for bad in [" ", "-1", "ten", "1.5", "99999999999"] {
            assert_eq!(fields(&size(bad).unwrap_err()), ["page_size"], "{bad:?}");
        }
    }

    #[test]
    fn every_bad_parameter_is_reported() {
        let err = check_list(
            ListKind::Models,
            "p",
            &query("-1", "colour=blue", "size desc"),
        )
        .unwrap_err();
        assert_eq!(fields(&err), ["page_size", "filter", "order_by"]);
    }

    #[test]
    fn lists_without_filter_or_order_refuse_them() {
        for kind in [ListKind::ModelVersionCheckpoints, ListKind::Operations] {
            let err = check_list(kind, "p", &query("", "labels.a:*", "create_time")).unwrap_err();
            assert_eq!(fields(&err), ["filter", "order_by"]);
        }
        assert!(check_list(ListKind::ModelVersions, "p", &query("", "labels.a:*", "")).is_ok());
        assert!(
            check_list(
                ListKind::TuningJobs,
                "p",
                &query("", "state=JOB_STATE_RUNNING", "")
            )
            .is_ok()
        );
    }

    // Each list takes exactly the fields and operators its proto documents:
    // `ListModelsRequest.filter` and `ListModelVersionsRequest.filter` in
    // google/cloud/aiplatform/v1/model_service.proto, `ListTuningJobsRequest.filter` (the
    // standard filter on `TuningJob` fields) in genai_tuning_service.proto.
    #[test]
    fn each_list_takes_the_filter_fields_and_operators_of_its_proto() {
        let filter_ok = |kind, text| check_list(kind, "p", &query("", text, "")).is_ok();
        for ok in [
            "model=123",
            "model!=123",
            "displayName=m",
            "display_name!=\"m\"",
            "base_model_name=gemini-2.5-flash",
            "labels.\"tune-type\"=sft",
            "labels.tune-type:*",
            "labels:team",
        ] {
            assert!(filter_ok(ListKind::Models, ok), "{ok}");
        }
        for bad in [
            "base_model_name!=gemini-2.5-flash",
            "display_name:m",
            "create_time>\"2025-07-11T00:00:00Z\"",
            "version_id=1",
            "labels.a!=b",
        ] {
            assert!(!filter_ok(ListKind::Models, bad), "{bad}");
        }
        assert!(filter_ok(ListKind::ModelVersions, "labels.a=b"));
        for bad in ["display_name=m", "model=1"] {
            assert!(!filter_ok(ListKind::ModelVersions, bad), "{bad}");
        }
        for ok in [
            "tuned_model_display_name=m",
            "state!=JOB_STATE_FAILED",
            "create_time>=\"2025-07-11T00:00:00Z\"",
            "labels.a!=b",
        ] {
            assert!(filter_ok(ListKind::TuningJobs, ok), "{ok}");
        }
        for bad in ["display_name=m", "state<JOB_STATE_FAILED"] {
            let err = check_list(ListKind::TuningJobs, "p", &query("", bad, "")).unwrap_err();
            assert_eq!(fields(&err), ["filter"], "{bad}");
            let field = bad.split(['=', '<']).next().unwrap();
            assert!(err.to_string().contains(field), "{err}");
        }
    }

    #[test]
    fn a_token_is_bound_to_its_scope_filter_and_order() {
        let base = query("", "labels.a:*", "create_time desc");
        let issued = check_list(ListKind::Models, "p", &base).unwrap();
        let token = issued.next_page_token(3);
        let with = |q: ListQuery<'_>, scope: &str| {
            check_list(
                ListKind::Models,
                scope,
                &ListQuery {
                    page_token: Some(&token),
                    ..q
                },
            )
        };
        assert_eq!(with(base, "p").unwrap().start(), Some(3));
        // Another spelling of the same filter or order is the same filter or order.
        assert!(with(query("", "labels.a:*", "createTime DESC"), "p").is_ok());
        assert!(with(query("", " labels.a : * ", "create_time desc"), "p").is_ok());
        assert!(with(query("", "", "create_time desc"), "p").is_err());
        assert!(with(query("", "labels.a:*", "create_time"), "p").is_err());
        assert!(with(base, "q").is_err());
        let err = check_list(
            ListKind::ModelVersions,
            "p",
            &ListQuery {
                page_token: Some(&token),
                ..base
            },
        )
        .unwrap_err();
        assert_eq!(fields(&err), ["page_token"]);
    }
}

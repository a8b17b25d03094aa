//! The supervised-tuning example (`{systemInstruction, contents}`) and its parser.

use std::fmt;

use serde_json::{Map, Value};

use super::stats::estimate_tokens;
use super::{DatasetError, DatasetErrorKind};

/// One supervised-tuning example: one line of the JSONL file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// The parts of `systemInstruction`. Its role is ignored by the service, so only the parts are
    /// kept.
    pub system_instruction: Option<Vec<Part>>,
    /// The turns, never empty, the last one from [`Role::Model`].
    pub contents: Vec<Content>,
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// Who speaks. A missing or empty role in a single-turn example reads as [`Role::User`].
    pub role: Role,
    /// What is said, never empty.
    pub parts: Vec<Part>,
}

/// The speaker of a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// `user`: the input.
    User,
    /// `model`: the output the model learns to give.
    Model,
}

impl Role {
    /// `user` or `model`, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Model => "model",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One piece of a turn. The media and function kinds are kept opaque: only what identifies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// `{"text": "..."}`, never empty.
    Text(String),
    /// `{"fileData": {"mimeType", "fileUri"}}`: media stored elsewhere (usually `gs://`).
    FileData { mime_type: String, file_uri: String },
    /// `{"inlineData": {"mimeType", "data"}}`: base64 media; the data itself is not kept.
    InlineData { mime_type: String },
    /// `{"functionCall": {"name", ...}}`: the arguments are not kept.
    FunctionCall { name: String },
    /// `{"functionResponse": {"name", ...}}`: the response is not kept.
    FunctionResponse { name: String },
}

impl Part {
    /// The text of a text part.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Part::Text(text) => Some(text),
            _ => None,
        }
    }

    /// True for `fileData` and `inlineData`, which make a data set multimodal.
    pub fn is_media(&self) -> bool {
        matches!(self, Part::FileData { .. } | Part::InlineData { .. })
    }
}

impl Example {
    /// Estimated input tokens: the system instruction and every `user` turn.
    ///
    /// Each text part is estimated on its own with [`estimate_tokens`] and the estimates are
    /// added; media and function parts count nothing (their content is not read here).
    pub fn input_token_estimate(&self) -> u64 {
        let system = self.system_instruction.as_deref().map_or(0, parts_tokens);
        system + self.turn_tokens(Role::User)
    }

    /// Estimated output tokens: every `model` turn, estimated as in
    /// [`Example::input_token_estimate`].
    pub fn output_token_estimate(&self) -> u64 {
        self.turn_tokens(Role::Model)
    }

    /// Unicode scalar values in every text part, the system instruction included.
    pub fn character_count(&self) -> u64 {
        self.system_instruction
            .iter()
            .flatten()
            .chain(self.contents.iter().flat_map(|content| &content.parts))
            .filter_map(Part::as_text)
            .map(|text| text.chars().count() as u64)
            .sum()
    }

    /// True when any part carries media (`fileData` or `inlineData`).
    pub fn has_media(&self) -> bool {
        self.system_instruction
            .iter()
            .flatten()
            .chain(self.contents.iter().flat_map(|content| &content.parts))
            .any(Part::is_media)
    }

    fn turn_tokens(&self, role: Role) -> u64 {
        self.contents
            .iter()
            .filter(|content| content.role == role)
            .map(|content| parts_tokens(&content.parts))
            .sum()
    }
}

fn parts_tokens(parts: &[Part]) -> u64 {
    parts
        .iter()
        .filter_map(Part::as_text)
        .map(estimate_tokens)
        .sum()
}

/// Parses one JSONL line into an [`Example`], or returns the first problem on it.
///
/// `line_number` is 1-based and only used in errors. The rules are in the
/// [module documentation](super).
///
/// ```
/// use retune_model::dataset::{parse_example, Part, Role};
///
/// let example = parse_example(
///     1,
///     r#"{"contents": [{"role": "user", "parts": [{"file_data": {"mime_type": "image/png", "file_uri": "gs://b/cat.png"}}]},
///                     {"role": "model", "parts": [{"text": "a cat"}]}]}"#,
/// )
/// .unwrap();
/// assert_eq!(example.contents[1].role, Role::Model);
/// assert_eq!(example.contents[1].parts, vec![Part::Text("a cat".to_owned())]);
///
/// let error = parse_example(7, r#"{"contents": [], "extra": 1}"#).unwrap_err();
/// assert_eq!(error.to_string(), "line 7: extra: unknown field `extra`");
/// ```
pub fn parse_example(line_number: usize, line: &str) -> Result<Example, DatasetError> {
    let value: Value = serde_json::from_str(line)
        .map_err(|error| DatasetError::at_line(line_number, invalid_json(&error)))?;
    Parser { line: line_number }.example(&value)
}

pub(super) fn invalid_json(error: &serde_json::Error) -> DatasetErrorKind {
    // serde_json ends its message with the position; the line is always 1 here, so keep the column.
    let full = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&position).unwrap_or(&full).to_owned();
    DatasetErrorKind::InvalidJson {
        column: error.column(),
        message,
    }
}

/// A key as the format knows it: its camelCase and snake_case spellings (equal for one-word keys).
#[derive(Debug, Clone, Copy)]
pub(super) struct Key {
    pub(super) camel: &'static str,
    snake: &'static str,
}

pub(super) const fn key(name: &'static str) -> Key {
    Key {
        camel: name,
        snake: name,
    }
}

pub(super) const CONTENTS: Key = key("contents");
pub(super) const SYSTEM_INSTRUCTION: Key = Key {
    camel: "systemInstruction",
    snake: "system_instruction",
};
pub(super) const TOOLS: Key = key("tools");
pub(super) const ROLE: Key = key("role");
pub(super) const PARTS: Key = key("parts");
const TEXT: Key = key("text");
const FILE_DATA: Key = Key {
    camel: "fileData",
    snake: "file_data",
};
const INLINE_DATA: Key = Key {
    camel: "inlineData",
    snake: "inline_data",
};
const FUNCTION_CALL: Key = Key {
    camel: "functionCall",
    snake: "function_call",
};
const FUNCTION_RESPONSE: Key = Key {
    camel: "functionResponse",
    snake: "function_response",
};
const MIME_TYPE: Key = Key {
    camel: "mimeType",
    snake: "mime_type",
};
const FILE_URI: Key = Key {
    camel: "fileUri",
    snake: "file_uri",
};
const DATA: Key = key("data");
const NAME: Key = key("name");

const EXAMPLE_KEYS: &[Key] = &[CONTENTS, SYSTEM_INSTRUCTION, TOOLS];
pub(super) const CONTENT_KEYS: &[Key] = &[ROLE, PARTS];
const PART_KEYS: &[Key] = &[
    TEXT,
    FILE_DATA,
    INLINE_DATA,
    FUNCTION_CALL,
    FUNCTION_RESPONSE,
];
const PART_KINDS: [(Key, PartKind); 5] = [
    (TEXT, PartKind::Text),
    (FILE_DATA, PartKind::FileData),
    (INLINE_DATA, PartKind::InlineData),
    (FUNCTION_CALL, PartKind::FunctionCall),
    (FUNCTION_RESPONSE, PartKind::FunctionResponse),
];

/// The oneof member a part holds.
#[derive(Debug, Clone, Copy)]
enum PartKind {
    Text,
    FileData,
    InlineData,
    FunctionCall,
    FunctionResponse,
}
const FILE_DATA_KEYS: &[Key] = &[MIME_TYPE, FILE_URI];

/// A JSON object with the path that leads to it, for error messages.
#[derive(Debug, Clone, Copy)]
pub(super) struct Object<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

/// Walks one parsed line; every error carries its line and field path.
#[derive(Debug, Clone, Copy)]
pub(super) struct Parser {
    pub(super) line: usize,
}

impl Parser {
    pub(super) fn error(self, path: &str, kind: DatasetErrorKind) -> DatasetError {
        if path.is_empty() {
            DatasetError::at_line(self.line, kind)
        } else {
            DatasetError::at_field(self.line, path, kind)
        }
    }

    fn example(self, value: &Value) -> Result<Example, DatasetError> {
        let object = self.object(value, "")?;
        if object.map.contains_key("messages") && self.get(object, CONTENTS)?.is_none() {
            return Err(self.error("messages", DatasetErrorKind::OpenAiChatFormat));
        }
        self.only_keys(object, EXAMPLE_KEYS)?;
        let system_instruction = match self.get(object, SYSTEM_INSTRUCTION)? {
            Some((path, value)) => Some(self.system_instruction(value, &path)?),
            None => None,
        };
        let (path, contents) = self.require(object, CONTENTS)?;
        let contents = self.contents(contents, &path, Role::Model)?;
        Ok(Example {
            system_instruction,
            contents,
        })
    }

    pub(super) fn system_instruction(
        self,
        value: &Value,
        path: &str,
    ) -> Result<Vec<Part>, DatasetError> {
        let object = self.object(value, path)?;
        self.only_keys(object, CONTENT_KEYS)?;
        let (parts_path, parts) = self.require(object, PARTS)?;
        self.parts(parts, &parts_path)
    }

    /// The turns of `contents`; the last one must come from `last`.
    pub(super) fn contents(
        self,
        value: &Value,
        path: &str,
        last: Role,
    ) -> Result<Vec<Content>, DatasetError> {
        let turns = self.non_empty_array(value, path)?;
        let mut contents = Vec::with_capacity(turns.len());
        for (index, turn) in turns.iter().enumerate() {
            contents.push(self.content(turn, &format!("{path}[{index}]"), turns.len())?);
        }
        if let Some(turn) = contents.last()
            && turn.role != last
        {
            let role_path = format!("{path}[{}].{}", contents.len() - 1, ROLE.camel);
            let kind = match last {
                Role::Model => DatasetErrorKind::LastTurnNotModel { role: turn.role },
                Role::User => DatasetErrorKind::LastTurnNotUser { role: turn.role },
            };
            return Err(self.error(&role_path, kind));
        }
        Ok(contents)
    }

    fn content(self, value: &Value, path: &str, turns: usize) -> Result<Content, DatasetError> {
        let object = self.object(value, path)?;
        self.only_keys(object, CONTENT_KEYS)?;
        let role = match self.get(object, ROLE)? {
            Some((role_path, role)) => match self.string(role, &role_path)? {
                "user" => Some(Role::User),
                "model" => Some(Role::Model),
                "" => None,
                other => {
                    let kind = DatasetErrorKind::InvalidRole {
                        role: other.to_owned(),
                    };
                    return Err(self.error(&role_path, kind));
                }
            },
            None => None,
        };
        let role = match role {
            Some(role) => role,
            None if turns == 1 => Role::User,
            None => {
                let role_path = format!("{path}.{}", ROLE.camel);
                return Err(self.error(&role_path, DatasetErrorKind::MissingRole { turns }));
            }
        };
        let (parts_path, parts) = self.require(object, PARTS)?;
        let parts = self.parts(parts, &parts_path)?;
        Ok(Content { role, parts })
    }

    pub(super) fn parts(self, value: &Value, path: &str) -> Result<Vec<Part>, DatasetError> {
        let items = self.non_empty_array(value, path)?;
        let mut parts = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            parts.push(self.part(item, &format!("{path}[{index}]"))?);
        }
        Ok(parts)
    }

    fn part(self, value: &Value, path: &str) -> Result<Part, DatasetError> {
        let object = self.object(value, path)?;
        self.only_keys(object, PART_KEYS)?;
        let mut present = Vec::new();
        for (key, kind) in PART_KINDS {
            if let Some((kind_path, value)) = self.get(object, key)? {
                present.push((key, kind, kind_path, value));
            }
        }
        let (kind, kind_path, value) = match present.as_slice() {
            [(_, kind, kind_path, value)] => (*kind, kind_path.as_str(), *value),
            [] => {
                let found = "none".to_owned();
                return Err(self.error(path, DatasetErrorKind::PartKind { found }));
            }
            several => {
                let names: Vec<_> = several.iter().map(|(key, ..)| key.camel).collect();
                let found = names.join(", ");
                return Err(self.error(path, DatasetErrorKind::PartKind { found }));
            }
        };
        match kind {
            PartKind::Text => Ok(Part::Text(
                self.non_empty_string(value, kind_path)?.to_owned(),
            )),
            PartKind::FileData => {
                let object = self.object(value, kind_path)?;
                self.only_keys(object, FILE_DATA_KEYS)?;
                Ok(Part::FileData {
                    mime_type: self.required_string(object, MIME_TYPE)?,
                    file_uri: self.required_string(object, FILE_URI)?,
                })
            }
            PartKind::InlineData => {
                let object = self.object(value, kind_path)?;
                let mime_type = self.required_string(object, MIME_TYPE)?;
                let (data_path, data) = self.require(object, DATA)?;
                self.string(data, &data_path)?;
                Ok(Part::InlineData { mime_type })
            }
            PartKind::FunctionCall => {
                let object = self.object(value, kind_path)?;
                Ok(Part::FunctionCall {
                    name: self.required_string(object, NAME)?,
                })
            }
            PartKind::FunctionResponse => {
                let object = self.object(value, kind_path)?;
                Ok(Part::FunctionResponse {
                    name: self.required_string(object, NAME)?,
                })
            }
        }
    }

    /// Rejects any key of `object` that is not one of `known` (in either spelling).
    pub(super) fn only_keys(self, object: Object<'_>, known: &[Key]) -> Result<(), DatasetError> {
        let unknown = object.map.keys().find(|name| {
            !known
                .iter()
                .any(|key| key.camel == *name || key.snake == *name)
        });
        match unknown {
            Some(name) => Err(self.error(
                &join(object.path, name),
                DatasetErrorKind::UnknownField { name: name.clone() },
            )),
            None => Ok(()),
        }
    }

    /// The value under `key` in either spelling, with its path; both spellings at once are refused.
    pub(super) fn get<'a>(
        self,
        object: Object<'a>,
        key: Key,
    ) -> Result<Option<(String, &'a Value)>, DatasetError> {
        let camel = object.map.get(key.camel).map(|value| (key.camel, value));
        let snake = if key.snake == key.camel {
            None
        } else {
            object.map.get(key.snake).map(|value| (key.snake, value))
        };
        match (camel, snake) {
            (Some(_), Some(_)) => Err(self.error(
                object.path,
                DatasetErrorKind::DuplicateField {
                    camel_case: key.camel,
                    snake_case: key.snake,
                },
            )),
            (Some((name, value)), None) | (None, Some((name, value))) => {
                Ok(Some((join(object.path, name), value)))
            }
            (None, None) => Ok(None),
        }
    }

    pub(super) fn require<'a>(
        self,
        object: Object<'a>,
        key: Key,
    ) -> Result<(String, &'a Value), DatasetError> {
        self.get(object, key)?.ok_or_else(|| {
            self.error(
                &join(object.path, key.camel),
                DatasetErrorKind::MissingField { name: key.camel },
            )
        })
    }

    fn required_string(self, object: Object<'_>, key: Key) -> Result<String, DatasetError> {
        let (path, value) = self.require(object, key)?;
        Ok(self.non_empty_string(value, &path)?.to_owned())
    }

    pub(super) fn object<'a>(
        self,
        value: &'a Value,
        path: &'a str,
    ) -> Result<Object<'a>, DatasetError> {
        match value {
            Value::Object(map) => Ok(Object { map, path }),
            other => Err(self.wrong_type(path, "an object", other)),
        }
    }

    pub(super) fn non_empty_array<'a>(
        self,
        value: &'a Value,
        path: &str,
    ) -> Result<&'a [Value], DatasetError> {
        match value {
            Value::Array(items) if items.is_empty() => {
                Err(self.error(path, DatasetErrorKind::Empty))
            }
            Value::Array(items) => Ok(items),
            other => Err(self.wrong_type(path, "an array", other)),
        }
    }

    pub(super) fn string<'a>(self, value: &'a Value, path: &str) -> Result<&'a str, DatasetError> {
        match value {
            Value::String(text) => Ok(text),
            other => Err(self.wrong_type(path, "a string", other)),
        }
    }

    fn non_empty_string<'a>(self, value: &'a Value, path: &str) -> Result<&'a str, DatasetError> {
        match self.string(value, path)? {
            "" => Err(self.error(path, DatasetErrorKind::Empty)),
            text => Ok(text),
        }
    }

    pub(super) fn wrong_type(
        self,
        path: &str,
        expected: &'static str,
        found: &Value,
    ) -> DatasetError {
        self.error(
            path,
            DatasetErrorKind::WrongType {
                expected,
                found: json_kind(found),
            },
        )
    }
}

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

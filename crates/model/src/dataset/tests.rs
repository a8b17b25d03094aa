//! Tests of the data set checks and statistics: one test per rule, hand-computed statistics, and
//! properties (arbitrary input never panics; distribution invariants).

use proptest::prelude::*;

use super::*;

const GOOD: &str = r#"{"contents": [{"role": "user", "parts": [{"text": "What is 2+2?"}]}, {"role": "model", "parts": [{"text": "4"}]}]}"#;

/// The messages of every error `validate_dataset` reports for a training set.
fn messages(text: &str) -> Vec<String> {
    report(text, DatasetKind::Training, &DatasetLimits::GEMINI_2_5)
        .errors
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn report(text: &str, kind: DatasetKind, limits: &DatasetLimits) -> DatasetReport {
    validate_dataset(text, kind, limits)
}

/// Asserts that `line`, as line 1 of a file, is refused with exactly `expected`.
#[track_caller]
fn assert_refused(line: &str, expected: &str) {
    assert_eq!(messages(line), vec![expected.to_owned()], "input: {line}");
}

#[track_caller]
fn assert_accepted(line: &str) -> Example {
    match parse_example(1, line) {
        Ok(example) => example,
        Err(error) => panic!("{line} was refused: {error}"),
    }
}

fn text(value: &str) -> Part {
    Part::Text(value.to_owned())
}

fn lines(line: &str, count: usize) -> String {
    let mut text = String::new();
    for _ in 0..count {
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn small_limits() -> DatasetLimits {
    DatasetLimits {
        max_tokens_per_example: 10,
        max_training_examples: 3,
        max_multimodal_training_examples: 2,
        max_validation_examples: 1,
        max_file_bytes: 1_000,
    }
}

// ---- single-line rules ----

#[test]
fn good_example_is_parsed_into_turns_and_parts() {
    let example = assert_accepted(GOOD);
    assert_eq!(
        example,
        Example {
            system_instruction: None,
            contents: vec![
                Content {
                    role: Role::User,
                    parts: vec![text("What is 2+2?")]
                },
                Content {
                    role: Role::Model,
                    parts: vec![text("4")]
                },
            ],
        }
    );
}

#[test]
fn missing_contents_is_rejected_with_line_number() {
    let file = format!(
        "{GOOD}\n{GOOD}\n{{\"systemInstruction\": {{\"parts\": [{{\"text\": \"x\"}}]}}}}\n"
    );
    let report = report(&file, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
    assert_eq!(report.error_count, 1);
    let error = &report.errors[0];
    assert_eq!(error.line(), Some(3));
    assert_eq!(error.field(), Some("contents"));
    assert_eq!(
        error.reason(),
        &DatasetErrorKind::MissingField { name: "contents" }
    );
    assert_eq!(
        error.to_string(),
        "line 3: contents: `contents` is required"
    );
}

#[test]
fn invalid_json_is_rejected_with_its_column() {
    assert_refused(
        r#"{"contents": [}"#,
        "line 1: invalid JSON at column 15: expected value",
    );
}

#[test]
fn line_that_is_not_an_object_is_rejected() {
    assert_refused(r#"[1, 2]"#, "line 1: expected an object, found an array");
}

#[test]
fn empty_contents_is_rejected() {
    assert_refused(r#"{"contents": []}"#, "line 1: contents: must not be empty");
}

#[test]
fn contents_that_is_not_an_array_is_rejected() {
    assert_refused(
        r#"{"contents": {"role": "user"}}"#,
        "line 1: contents: expected an array, found an object",
    );
}

#[test]
fn openai_chat_lines_are_told_how_to_become_gemini_lines() {
    let line = r#"{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}"#;
    let report = validate_dataset(line, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
    assert_eq!(report.errors.len(), 1);
    let error = &report.errors[0];
    assert_eq!(error.kind, DatasetErrorKind::OpenAiChatFormat);
    assert_eq!(error.field(), Some("messages"));
    let text = error.to_string();
    for part in [
        "`contents` instead of `messages`",
        "`assistant` as `model`",
        "systemInstruction",
    ] {
        assert!(text.contains(part), "{text}");
    }
}

#[test]
fn unknown_top_level_field_is_rejected_with_its_name() {
    let line = r#"{"contents": [{"role": "model", "parts": [{"text": "a"}]}], "messages": []}"#;
    let error = parse_example(1, line).unwrap_err();
    assert_eq!(error.field(), Some("messages"));
    assert_eq!(
        error.reason(),
        &DatasetErrorKind::UnknownField {
            name: "messages".to_owned()
        }
    );
}

#[test]
fn unknown_key_in_a_turn_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": "user", "content": "hi", "parts": [{"text": "a"}]}]}"#,
        "line 1: contents[0].content: unknown field `content`",
    );
}

#[test]
fn tools_is_accepted_and_ignored() {
    let line = r#"{"tools": [{"functionDeclarations": [{"name": "f"}]}], "contents": [{"role": "model", "parts": [{"text": "a"}]}]}"#;
    assert_eq!(assert_accepted(line).contents.len(), 1);
}

#[test]
fn role_other_than_user_or_model_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": "user", "parts": [{"text": "q"}]}, {"role": "assistant", "parts": [{"text": "a"}]}]}"#,
        "line 1: contents[1].role: role must be `user` or `model`, found `assistant`",
    );
}

#[test]
fn role_is_case_sensitive() {
    assert_refused(
        r#"{"contents": [{"role": "Model", "parts": [{"text": "a"}]}]}"#,
        "line 1: contents[0].role: role must be `user` or `model`, found `Model`",
    );
}

#[test]
fn role_that_is_not_a_string_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": 1, "parts": [{"text": "a"}]}]}"#,
        "line 1: contents[0].role: expected a string, found a number",
    );
}

#[test]
fn missing_role_is_rejected_in_a_multi_turn_example() {
    assert_refused(
        r#"{"contents": [{"parts": [{"text": "q"}]}, {"role": "model", "parts": [{"text": "a"}]}]}"#,
        "line 1: contents[0].role: role may be left empty only in a single-turn example; this one has 2 turns",
    );
    assert_refused(
        r#"{"contents": [{"role": "user", "parts": [{"text": "q"}]}, {"role": "", "parts": [{"text": "a"}]}]}"#,
        "line 1: contents[1].role: role may be left empty only in a single-turn example; this one has 2 turns",
    );
}

#[test]
fn empty_role_in_a_single_turn_reads_as_user_and_fails_the_last_turn_rule() {
    for line in [
        r#"{"contents": [{"parts": [{"text": "q"}]}]}"#,
        r#"{"contents": [{"role": "", "parts": [{"text": "q"}]}]}"#,
    ] {
        assert_refused(
            line,
            "line 1: contents[0].role: the last turn must come from `model`, found `user`",
        );
    }
}

#[test]
fn last_turn_from_user_is_rejected() {
    let error = parse_example(
        4,
        r#"{"contents": [{"role": "user", "parts": [{"text": "q"}]}, {"role": "model", "parts": [{"text": "a"}]}, {"role": "user", "parts": [{"text": "and?"}]}]}"#,
    )
    .unwrap_err();
    assert_eq!(error.line(), Some(4));
    assert_eq!(error.field(), Some("contents[2].role"));
    assert_eq!(
        error.reason(),
        &DatasetErrorKind::LastTurnNotModel { role: Role::User }
    );
}

#[test]
fn consecutive_turns_from_one_role_are_accepted() {
    let example = assert_accepted(
        r#"{"contents": [{"role": "user", "parts": [{"text": "a"}]}, {"role": "user", "parts": [{"text": "b"}]}, {"role": "model", "parts": [{"text": "c"}]}, {"role": "model", "parts": [{"text": "d"}]}]}"#,
    );
    assert_eq!(example.contents.len(), 4);
}

#[test]
fn missing_parts_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": "model"}]}"#,
        "line 1: contents[0].parts: `parts` is required",
    );
}

#[test]
fn empty_parts_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": "model", "parts": []}]}"#,
        "line 1: contents[0].parts: must not be empty",
    );
}

#[test]
fn part_without_a_kind_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": "user", "parts": [{"text": "q"}]}, {"role": "model", "parts": [{"text": "a"}, {}]}]}"#,
        "line 1: contents[1].parts[1]: a part needs exactly one of text, fileData, inlineData, functionCall, functionResponse; found none",
    );
}

#[test]
fn part_with_two_kinds_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": "model", "parts": [{"text": "a", "file_data": {"mimeType": "image/png", "fileUri": "gs://b/o"}}]}]}"#,
        "line 1: contents[0].parts[0]: a part needs exactly one of text, fileData, inlineData, functionCall, functionResponse; found text, fileData",
    );
}

#[test]
fn unknown_key_in_a_part_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": "model", "parts": [{"txt": "a"}]}]}"#,
        "line 1: contents[0].parts[0].txt: unknown field `txt`",
    );
}

#[test]
fn empty_text_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": "model", "parts": [{"text": ""}]}]}"#,
        "line 1: contents[0].parts[0].text: must not be empty",
    );
}

#[test]
fn whitespace_text_is_accepted() {
    let example = assert_accepted(r#"{"contents": [{"role": "model", "parts": [{"text": " "}]}]}"#);
    assert_eq!(example.contents[0].parts, vec![text(" ")]);
}

#[test]
fn text_that_is_not_a_string_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": "model", "parts": [{"text": ["a"]}]}]}"#,
        "line 1: contents[0].parts[0].text: expected a string, found an array",
    );
}

#[test]
fn file_data_requires_mime_type_and_file_uri() {
    assert_refused(
        r#"{"contents": [{"role": "model", "parts": [{"fileData": {"fileUri": "gs://b/o"}}]}]}"#,
        "line 1: contents[0].parts[0].fileData.mimeType: `mimeType` is required",
    );
    assert_refused(
        r#"{"contents": [{"role": "model", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": ""}}]}]}"#,
        "line 1: contents[0].parts[0].fileData.fileUri: must not be empty",
    );
    assert_refused(
        r#"{"contents": [{"role": "model", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/o", "size": 3}}]}]}"#,
        "line 1: contents[0].parts[0].fileData.size: unknown field `size`",
    );
}

#[test]
fn snake_case_keys_are_accepted() {
    let camel = assert_accepted(
        r#"{"systemInstruction": {"parts": [{"text": "s"}]}, "contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/o"}}]}, {"role": "model", "parts": [{"text": "a"}]}]}"#,
    );
    let snake = assert_accepted(
        r#"{"system_instruction": {"parts": [{"text": "s"}]}, "contents": [{"role": "user", "parts": [{"file_data": {"mime_type": "image/png", "file_uri": "gs://b/o"}}]}, {"role": "model", "parts": [{"text": "a"}]}]}"#,
    );
    assert_eq!(camel, snake);
    assert_eq!(
        snake.contents[0].parts,
        vec![Part::FileData {
            mime_type: "image/png".to_owned(),
            file_uri: "gs://b/o".to_owned()
        }]
    );
    assert_eq!(snake.system_instruction, Some(vec![text("s")]));
}

#[test]
fn error_paths_use_the_keys_as_written() {
    assert_refused(
        r#"{"contents": [{"role": "model", "parts": [{"file_data": {"mime_type": "", "file_uri": "gs://b/o"}}]}]}"#,
        "line 1: contents[0].parts[0].file_data.mime_type: must not be empty",
    );
}

#[test]
fn both_spellings_of_a_key_are_rejected() {
    assert_refused(
        r#"{"systemInstruction": {"parts": [{"text": "s"}]}, "system_instruction": {"parts": [{"text": "s"}]}, "contents": [{"role": "model", "parts": [{"text": "a"}]}]}"#,
        "line 1: both `systemInstruction` and `system_instruction` are given; use one",
    );
}

#[test]
fn system_instruction_role_is_ignored() {
    for role in [r#""system""#, r#""user""#, r#""""#, "7"] {
        let line = format!(
            r#"{{"systemInstruction": {{"role": {role}, "parts": [{{"text": "Answer concisely."}}]}}, "contents": [{{"role": "model", "parts": [{{"text": "a"}}]}}]}}"#
        );
        assert_eq!(
            assert_accepted(&line).system_instruction,
            Some(vec![text("Answer concisely.")])
        );
    }
}

#[test]
fn system_instruction_parts_follow_the_part_rules() {
    assert_refused(
        r#"{"systemInstruction": {"parts": [{"text": ""}]}, "contents": [{"role": "model", "parts": [{"text": "a"}]}]}"#,
        "line 1: systemInstruction.parts[0].text: must not be empty",
    );
}

#[test]
fn opaque_part_kinds_are_accepted() {
    let example = assert_accepted(
        r#"{"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "image/png", "data": "iVBO"}}]}, {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]}, {"role": "user", "parts": [{"function_response": {"name": "get_weather", "response": {"t": 20}}}]}, {"role": "model", "parts": [{"text": "20 degrees"}]}]}"#,
    );
    let parts: Vec<&Part> = example
        .contents
        .iter()
        .flat_map(|turn| &turn.parts)
        .collect();
    assert_eq!(
        parts,
        [
            &Part::InlineData {
                mime_type: "image/png".to_owned()
            },
            &Part::FunctionCall {
                name: "get_weather".to_owned()
            },
            &Part::FunctionResponse {
                name: "get_weather".to_owned()
            },
            &text("20 degrees"),
        ]
    );
    assert!(example.has_media());
}

#[test]
fn function_call_without_a_name_is_rejected() {
    assert_refused(
        r#"{"contents": [{"role": "model", "parts": [{"functionCall": {"args": {}}}]}]}"#,
        "line 1: contents[0].parts[0].functionCall.name: `name` is required",
    );
}

#[test]
fn example_over_the_token_limit_is_rejected() {
    // 131,073 tokens: 131,072 * 4 characters of input plus a 1-character answer.
    let question = "a".repeat(4 * 131_072);
    let line = format!(
        r#"{{"contents": [{{"role": "user", "parts": [{{"text": "{question}"}}]}}, {{"role": "model", "parts": [{{"text": "b"}}]}}]}}"#
    );
    assert_refused(
        &line,
        "line 1: the example has about 131073 input and output tokens; at most 131072 are allowed",
    );
}

#[test]
fn example_at_the_token_limit_is_accepted() {
    let question = "a".repeat(4 * 131_071);
    let line = format!(
        r#"{{"contents": [{{"role": "user", "parts": [{{"text": "{question}"}}]}}, {{"role": "model", "parts": [{{"text": "b"}}]}}]}}"#
    );
    let report = report(&line, DatasetKind::Validation, &DatasetLimits::GEMINI_2_5);
    assert!(report.is_valid(), "{:?}", report.errors);
}

// ---- whole-file rules ----

#[test]
fn validation_set_over_5000_examples_is_rejected() {
    let report = report(
        &lines(GOOD, 5_001),
        DatasetKind::Validation,
        &DatasetLimits::GEMINI_2_5,
    );
    assert_eq!(report.error_count, 1);
    assert_eq!(report.errors[0].line(), Some(5_001));
    assert_eq!(
        report.errors[0].to_string(),
        "line 5001: the validation data set has 5001 examples; at most 5000 are allowed"
    );
}

#[test]
fn validation_set_of_5000_examples_is_accepted() {
    let report = report(
        &lines(GOOD, 5_000),
        DatasetKind::Validation,
        &DatasetLimits::GEMINI_2_5,
    );
    assert!(report.is_valid(), "{:?}", report.errors);
    assert_eq!(report.example_count, 5_000);
    assert_eq!(report.stats.tuning_dataset_example_count, 5_000);
}

#[test]
fn training_set_over_its_limit_is_rejected() {
    let report = report(&lines(GOOD, 4), DatasetKind::Training, &small_limits());
    assert_eq!(
        report
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["line 4: the training data set has 4 examples; at most 3 are allowed"]
    );
    assert!(report_is_valid(
        &lines(GOOD, 3),
        DatasetKind::Training,
        &small_limits()
    ));
}

fn report_is_valid(text: &str, kind: DatasetKind, limits: &DatasetLimits) -> bool {
    report(text, kind, limits).is_valid()
}

#[test]
fn multimodal_training_set_has_the_lower_limit() {
    let media = r#"{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/o"}}]}, {"role": "model", "parts": [{"text": "cat"}]}]}"#;
    let file = format!("{GOOD}\n{GOOD}\n{media}\n");
    let report = report(&file, DatasetKind::Training, &small_limits());
    assert_eq!(
        report
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "line 3: the training data set has 3 examples and carries media; at most 2 multimodal examples are allowed"
        ]
    );
}

#[test]
fn limits_of_the_documented_models_are_the_sourced_constants() {
    let limits = DatasetLimits::GEMINI_2_5;
    assert_eq!(limits.max_tokens_per_example, 131_072);
    assert_eq!(limits.max_examples(DatasetKind::Validation, false), 5_000);
    assert_eq!(limits.max_examples(DatasetKind::Training, false), 1_000_000);
    assert_eq!(limits.max_examples(DatasetKind::Training, true), 300_000);
    assert_eq!(limits.max_file_bytes, 1_073_741_824);
}

#[test]
fn file_over_the_size_limit_is_rejected() {
    let file = lines(GOOD, 9); // 9 * 107 bytes
    assert!(file.len() > 900);
    let limits = DatasetLimits {
        max_file_bytes: 900,
        max_training_examples: 100,
        ..small_limits()
    };
    let report = report(&file, DatasetKind::Training, &limits);
    let error = &report.errors[0];
    assert_eq!((error.line(), error.field()), (None, None));
    assert_eq!(
        error.reason(),
        &DatasetErrorKind::FileTooLarge {
            bytes: file.len() as u64,
            limit: 900
        }
    );
}

#[test]
fn empty_file_is_rejected() {
    for file in ["", "\n\n", "  \n"] {
        let report = report(file, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
        assert_eq!(
            report
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["the training data set has no examples"],
            "file: {file:?}"
        );
    }
}

#[test]
fn blank_lines_are_skipped_but_counted_in_line_numbers() {
    let file = format!("\n{GOOD}\n   \n{{\"contents\": []}}\n\n");
    let report = report(&file, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
    assert_eq!(report.example_count, 2);
    assert_eq!(
        report
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["line 4: contents: must not be empty"]
    );
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark_are_accepted() {
    let file = format!("\u{feff}{GOOD}\r\n{GOOD}\r\n");
    let report = report(&file, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
    assert!(report.is_valid(), "{:?}", report.errors);
    assert_eq!(report.example_count, 2);
}

#[test]
fn every_bad_line_is_reported_in_line_order() {
    let file = format!("{GOOD}\nnot json\n{GOOD}\n{{\"contents\": []}}\n");
    assert_eq!(
        messages(&file),
        [
            "line 2: invalid JSON at column 2: expected ident",
            "line 4: contents: must not be empty",
        ]
    );
}

#[test]
fn errors_are_capped_and_counted() {
    let file = lines("{}", 250);
    let report = report(&file, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
    assert_eq!(report.error_count, 250);
    assert_eq!(report.errors.len(), MAX_REPORTED_ERRORS);
    assert_eq!(report.errors[99].line(), Some(100));
    assert_eq!(report.example_count, 250);
}

#[test]
fn file_errors_come_first_and_survive_the_cap() {
    let file = lines("{}", 150);
    let limits = DatasetLimits {
        max_training_examples: 120,
        max_file_bytes: 100,
        ..small_limits()
    };
    let report = report(&file, DatasetKind::Training, &limits);
    assert_eq!(report.error_count, 152);
    assert_eq!(report.errors.len(), MAX_REPORTED_ERRORS);
    assert_eq!(
        report.errors[0].reason(),
        &DatasetErrorKind::FileTooLarge {
            bytes: 450,
            limit: 100
        }
    );
    assert_eq!(
        report.errors[1].reason(),
        &DatasetErrorKind::TooManyExamples {
            kind: DatasetKind::Training,
            count: 150,
            limit: 120
        }
    );
    assert_eq!(report.errors[1].line(), Some(121));
    assert_eq!(report.errors[2].line(), Some(1));
}

// ---- statistics ----

/// Two examples whose numbers are computed by hand in `stats_match_hand_computed_numbers`.
const STATS_FILE: &str = concat!(
    // system 9 chars (3 tokens), user 12 chars (3), model 1 char (1): input 6, output 1, 2 turns.
    r#"{"systemInstruction": {"parts": [{"text": "Be brief."}]}, "contents": [{"role": "user", "parts": [{"text": "What is 2+2?"}]}, {"role": "model", "parts": [{"text": "4"}]}]}"#,
    "\n",
    // user 2 (1), model 11 (3), user 12 (3), model 4 (1): input 4, output 4, 4 turns.
    r#"{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello there"}]}, {"role": "user", "parts": [{"text": "Name a color"}]}, {"role": "model", "parts": [{"text": "Blue"}]}]}"#,
    "\n",
);

#[track_caller]
fn assert_close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[track_caller]
fn assert_distribution(d: &Distribution, sum: i64, [min, max, mean, median, p5, p95]: [f64; 6]) {
    assert_eq!((d.sum, d.billable_sum), (sum, sum));
    for (actual, expected) in [
        (d.min, min),
        (d.max, max),
        (d.mean, mean),
        (d.median, median),
        (d.p5, p5),
        (d.p95, p95),
    ] {
        assert_close(actual, expected);
    }
}

#[test]
fn stats_match_hand_computed_numbers() {
    let report = report(
        STATS_FILE,
        DatasetKind::Training,
        &DatasetLimits::GEMINI_2_5,
    );
    assert!(report.is_valid(), "{:?}", report.errors);
    let stats = report.stats;
    assert_eq!(stats.tuning_dataset_example_count, 2);
    assert_eq!(
        stats.total_tuning_character_count,
        9 + 12 + 1 + 2 + 11 + 12 + 4
    );
    assert_eq!(stats.total_billable_token_count, 6 + 1 + 4 + 4);
    assert_eq!(stats.tuning_step_count, 0);
    assert_eq!(stats.total_truncated_example_count, 0);
    assert!(stats.truncated_example_indices.is_empty());
    assert!(stats.dropped_example_reasons.is_empty());
    // input [6, 4]: p5 = 4 + 0.05 * 2, p95 = 4 + 0.95 * 2.
    assert_distribution(
        &stats.user_input_token_distribution,
        10,
        [4.0, 6.0, 5.0, 5.0, 4.1, 5.9],
    );
    // output [1, 4]: p5 = 1 + 0.05 * 3, p95 = 1 + 0.95 * 3.
    assert_distribution(
        &stats.user_output_token_distribution,
        5,
        [1.0, 4.0, 2.5, 2.5, 1.15, 3.85],
    );
    assert_distribution(
        &stats.user_message_per_example_distribution,
        6,
        [2.0, 4.0, 3.0, 3.0, 2.1, 3.9],
    );
    assert_eq!(
        stats.user_input_token_distribution.buckets,
        [
            Bucket {
                count: 1.0,
                left: 4.0,
                right: 5.0
            },
            Bucket {
                count: 1.0,
                left: 5.0,
                right: 6.0
            }
        ]
    );
    assert_eq!(
        stats.user_dataset_examples,
        [
            Content {
                role: Role::User,
                parts: vec![text("What is 2+2?")]
            },
            Content {
                role: Role::User,
                parts: vec![text("Hi")]
            },
        ]
    );
}

#[test]
fn stats_cover_only_examples_that_pass() {
    let file = format!("{STATS_FILE}{{\"contents\": []}}\n");
    let report = report(&file, DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
    assert_eq!(report.example_count, 3);
    assert_eq!(report.error_count, 1);
    assert_eq!(report.stats.tuning_dataset_example_count, 2);
}

#[test]
fn compute_stats_equals_the_stats_of_validate_dataset() {
    let examples: Vec<Example> = STATS_FILE
        .lines()
        .enumerate()
        .map(|(index, line)| parse_example(index + 1, line))
        .collect::<Result<_, _>>()
        .unwrap();
    let report = report(
        STATS_FILE,
        DatasetKind::Training,
        &DatasetLimits::GEMINI_2_5,
    );
    assert_eq!(
        compute_stats(&examples, &DatasetLimits::GEMINI_2_5),
        report.stats
    );
}

#[test]
fn compute_stats_counts_examples_over_the_limit_as_truncated() {
    let examples: Vec<Example> = STATS_FILE
        .lines()
        .map(|line| parse_example(1, line))
        .collect::<Result<_, _>>()
        .unwrap();
    // Limit 7: example 1 (6 + 1) fits; example 2 (4 + 4) loses one output token.
    let limits = DatasetLimits {
        max_tokens_per_example: 7,
        ..DatasetLimits::GEMINI_2_5
    };
    let stats = compute_stats(&examples, &limits);
    assert_eq!(stats.total_truncated_example_count, 1);
    assert_eq!(stats.truncated_example_indices, [2]);
    assert_eq!(stats.total_billable_token_count, 14);
    assert_eq!(stats.user_input_token_distribution.billable_sum, 10);
    assert_eq!(stats.user_output_token_distribution.sum, 5);
    assert_eq!(stats.user_output_token_distribution.billable_sum, 4);
}

#[test]
fn user_dataset_examples_keep_the_first_three_user_turns() {
    let examples: Vec<Example> = (0..5)
        .map(|index| Example {
            system_instruction: None,
            contents: vec![
                Content {
                    role: Role::User,
                    parts: vec![text(&format!("q{index}"))],
                },
                Content {
                    role: Role::Model,
                    parts: vec![text("a")],
                },
            ],
        })
        .collect();
    let stats = compute_stats(&examples, &DatasetLimits::GEMINI_2_5);
    let samples: Vec<_> = stats
        .user_dataset_examples
        .iter()
        .map(|turn| turn.parts[0].clone())
        .collect();
    assert_eq!(samples, [text("q0"), text("q1"), text("q2")]);
}

#[test]
fn tuning_step_count_is_set_by_the_caller() {
    let stats = compute_stats(&[], &DatasetLimits::GEMINI_2_5).with_tuning_step_count(42);
    assert_eq!(stats.tuning_step_count, 42);
}

#[test]
fn token_estimate_is_characters_over_four_rounded_up() {
    for (text, tokens) in [
        ("", 0),
        ("a", 1),
        ("abcd", 1),
        ("abcde", 2),
        ("日本語の文", 2),
    ] {
        assert_eq!(estimate_tokens(text), tokens, "{text}");
    }
}

#[test]
fn distribution_of_no_values_is_all_zero() {
    let d = Distribution::from_values(&[]);
    assert_distribution(&d, 0, [0.0; 6]);
    assert!(d.buckets.is_empty());
}

#[test]
fn distribution_percentiles_interpolate_linearly() {
    // Ranks over 1..=10: p5 at 0.45, median at 4.5, p95 at 8.55.
    let values: Vec<u64> = (1..=10).rev().collect();
    assert_distribution(
        &Distribution::from_values(&values),
        55,
        [1.0, 10.0, 5.5, 5.5, 1.45, 9.55],
    );
}

#[test]
fn distribution_buckets_split_min_to_max_in_ten() {
    let values: Vec<u64> = (0..=20).collect();
    let buckets = Distribution::from_values(&values).buckets;
    let expected: Vec<Bucket> = (0..10)
        .map(|index| Bucket {
            count: if index == 9 { 3.0 } else { 2.0 },
            left: 2.0 * index as f64,
            right: 2.0 * (index + 1) as f64,
        })
        .collect();
    assert_eq!(buckets, expected);
}

#[test]
fn distribution_of_equal_values_has_one_bucket() {
    let d = Distribution::from_values(&[7, 7, 7]);
    assert_distribution(&d, 21, [7.0, 7.0, 7.0, 7.0, 7.0, 7.0]);
    assert_eq!(
        d.buckets,
        [Bucket {
            count: 3.0,
            left: 7.0,
            right: 7.0
        }]
    );
}

// ---- properties ----

/// JSON values built from the format's own keys, so that generated lines get deep into the checks.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let keys = prop::sample::select(vec![
        "contents",
        "systemInstruction",
        "system_instruction",
        "tools",
        "role",
        "parts",
        "text",
        "fileData",
        "file_data",
        "mimeType",
        "fileUri",
        "inlineData",
        "data",
        "functionCall",
        "name",
        "other",
    ]);
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        prop::sample::select(vec!["user", "model", "", "system", "x"])
            .prop_map(serde_json::Value::from),
        "\\PC{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..5).prop_map(|entries| {
                serde_json::Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect(),
                )
            }),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC*(\n\\PC*){0,4}") {
        let report = validate_dataset(&text, DatasetKind::Training, &small_limits());
        prop_assert!(report.errors.len() <= MAX_REPORTED_ERRORS);
        prop_assert!(report.errors.len() <= report.error_count);
        prop_assert_eq!(report.example_count, text.lines().filter(|line| !line.trim().is_empty()).count());
    }

    #[test]
    fn arbitrary_json_never_panics_and_accepted_examples_keep_the_rules(value in json_value()) {
        match parse_example(1, &value.to_string()) {
            Ok(example) => {
                let last = example.contents.last().map(|turn| turn.role);
                prop_assert_eq!(last, Some(Role::Model));
                prop_assert!(example.contents.iter().all(|turn| !turn.parts.is_empty()));
            }
            Err(error) => prop_assert_eq!(error.line(), Some(1)),
        }
    }

    #[test]
    fn distribution_invariants_hold(values in prop::collection::vec(0u64..1_000_000, 1..200)) {
        let d = Distribution::from_values(&values);
        prop_assert!(d.min <= d.p5 && d.p5 <= d.median && d.median <= d.p95 && d.p95 <= d.max);
        prop_assert!(d.min <= d.mean && d.mean <= d.max);
        let counted: f64 = d.buckets.iter().map(|bucket| bucket.count).sum();
        prop_assert_eq!(counted, values.len() as f64);
        prop_assert!(d.buckets.len() <= 10);
        prop_assert_eq!(d.buckets.first().map(|bucket| bucket.left), Some(d.min));
        prop_assert_eq!(d.buckets.last().map(|bucket| bucket.right), Some(d.max));
        for &value in &values {
            let value = value as f64;
            let holders = d.buckets.iter().enumerate().filter(|(index, bucket)| {
                let last = index + 1 == d.buckets.len();
                bucket.left <= value && (value < bucket.right || (last && value <= bucket.right))
            });
            prop_assert_eq!(holders.count(), 1);
        }
    }

    #[test]
    fn stats_count_every_passing_example(count in 1usize..20) {
        let report = validate_dataset(&lines(GOOD, count), DatasetKind::Training, &DatasetLimits::GEMINI_2_5);
        prop_assert_eq!(report.stats.tuning_dataset_example_count, count as u64);
        let buckets: f64 = report.stats.user_input_token_distribution.buckets.iter().map(|b| b.count).sum();
        prop_assert_eq!(buckets, count as f64);
    }
}

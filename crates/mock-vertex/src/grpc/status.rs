//! Failed calls as gRPC statuses: the `grpc-status`, `grpc-message` and
//! `grpc-status-details-bin` trailers, made from the REST error envelope so that both faces
//! report the same code, message and `google.rpc.Status` details.

use axum::http::{HeaderMap, HeaderValue};
use base64::Engine as _;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use prost_reflect::{DeserializeOptions, DynamicMessage};
use retune_model::Code;
use serde_json::{Value, json};

use super::descriptors;

/// What `grpc-message` percent-encodes: everything outside printable ASCII, and `%` (gRPC's
/// HTTP/2 protocol description).
const MESSAGE_ESCAPES: &AsciiSet = &CONTROLS.add(b'%');

/// A call's outcome: a code, a message and the `google.rpc.Status` details (JSON `Any`s).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GrpcStatus {
    code: Code,
    message: String,
    details: Vec<Value>,
}

impl GrpcStatus {
    /// A status without details.
    pub(crate) fn new(code: Code, message: impl Into<String>) -> GrpcStatus {
        GrpcStatus {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// OK: the trailers of a call that succeeded.
    pub(crate) fn ok() -> GrpcStatus {
        GrpcStatus::new(Code::Ok, "")
    }

    /// The status a REST answer with HTTP status `http_status` and `body` stands for: the
    /// envelope's `status` name (else the HTTP status's canonical code), `message` and `details`.
    pub(crate) fn from_rest(http_status: u16, body: &[u8]) -> GrpcStatus {
        let envelope: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let error = &envelope["error"];
        let code = error["status"]
            .as_str()
            .and_then(|name| name.parse::<Code>().ok())
            .unwrap_or_else(|| Code::from_http_status(http_status));
        let message = error["message"]
            .as_str()
            .map_or_else(|| format!("HTTP status {http_status}"), str::to_owned);
        let details = error["details"].as_array().cloned().unwrap_or_default();
        GrpcStatus {
            code,
            message,
            details,
        }
    }

    /// The code.
    pub(crate) fn code(&self) -> Code {
        self.code
    }

    /// The message, as sent (before percent-encoding).
    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// The trailers: `grpc-status`, and for a failure `grpc-message` and, when it has details,
    /// `grpc-status-details-bin` (an encoded `google.rpc.Status`, base64 without padding).
    pub(crate) fn trailers(&self) -> HeaderMap {
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", HeaderValue::from(self.code.number()));
        if self.code == Code::Ok {
            return trailers;
        }
        let message = utf8_percent_encode(&self.message, MESSAGE_ESCAPES).to_string();
        if let Ok(value) = HeaderValue::from_str(&message) {
            trailers.insert("grpc-message", value);
        }
        if let Some(encoded) = self.encoded_details() {
            let base64 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(encoded);
            if let Ok(value) = HeaderValue::from_str(&base64) {
                trailers.insert("grpc-status-details-bin", value);
            }
        }
        trailers
    }

    /// The encoded `google.rpc.Status`, when there are details that the descriptors know.
    fn encoded_details(&self) -> Option<Vec<u8>> {
        if self.details.is_empty() {
            return None;
        }
        let pool = descriptors::pool().ok()?;
        let desc = pool.get_message_by_name("google.rpc.Status")?;
        let status = json!({
            "code": self.code.number(),
            "message": self.message,
            "details": self.details,
        });
        let options = DeserializeOptions::new().deny_unknown_fields(false);
        let message = DynamicMessage::deserialize_with_options(desc, status, &options).ok()?;
        Some(prost::Message::encode_to_vec(&message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rest_error_keeps_its_code_message_and_details() {
        let body = json!({"error": {"code": 400, "message": "bad página 50%", "status": "FAILED_PRECONDITION",
            "details": [{"@type": "type.googleapis.com/google.rpc.PreconditionFailure",
                "violations": [{"type": "STATE", "subject": "s", "description": "d"}]}]}});
        let status = GrpcStatus::from_rest(400, body.to_string().as_bytes());
        assert_eq!(status.code(), Code::FailedPrecondition);
        let trailers = status.trailers();
        assert_eq!(trailers["grpc-status"], "9");
        assert_eq!(trailers["grpc-message"], "bad p%C3%A1gina 50%25");
        let encoded = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(trailers["grpc-status-details-bin"].as_bytes())
            .unwrap();
        let desc = descriptors::pool()
            .unwrap()
            .get_message_by_name("google.rpc.Status")
            .unwrap();
        let decoded = DynamicMessage::decode(desc, encoded.as_slice()).unwrap();
        let json = serde_json::to_value(&decoded).unwrap();
        assert_eq!(json["code"], 9);
        assert_eq!(
            json["details"][0]["@type"],
            "type.googleapis.com/google.rpc.PreconditionFailure"
        );
        assert_eq!(json["details"][0]["violations"][0]["subject"], "s");
    }

    #[test]
    fn a_body_that_is_not_an_envelope_falls_back_to_the_http_status() {
        let status = GrpcStatus::from_rest(404, b"<html>");
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(status.message(), "HTTP status 404");
        assert!(!status.trailers().contains_key("grpc-status-details-bin"));
    }

    #[test]
    fn ok_has_only_the_status() {
        let trailers = GrpcStatus::ok().trailers();
        assert_eq!(trailers.len(), 1);
        assert_eq!(trailers["grpc-status"], "0");
    }
}

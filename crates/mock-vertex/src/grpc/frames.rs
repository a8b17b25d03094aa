//! gRPC message framing: each message is a 1-byte compressed flag, a 4-byte big-endian length
//! and the encoded protobuf message.

use bytes::{BufMut, Bytes, BytesMut};
use retune_model::Code;

/// The bytes before each message: the compressed flag and the length.
pub(crate) const HEADER_LEN: usize = 5;

/// Why a request body is not a sequence of gRPC message frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FrameError {
    /// The body ends inside a frame header or a message.
    #[error("the request ended inside a message frame ({0} bytes of an incomplete frame)")]
    Truncated(usize),
    /// The compressed flag is set, but the request named no `grpc-encoding`.
    #[error("a message frame is marked compressed, but the request has no grpc-encoding")]
    Compressed,
    /// A flag byte other than 0 (plain) or 1 (compressed).
    #[error("message frame flag {0} is neither 0 (plain) nor 1 (compressed)")]
    BadFlag(u8),
    /// A message longer than the server accepts.
    #[error("received message larger than max ({len} vs. {limit})")]
    TooLarge {
        /// The length the frame declares.
        len: usize,
        /// The largest accepted.
        limit: usize,
    },
}

impl FrameError {
    /// The status gRPC servers answer for it: RESOURCE_EXHAUSTED for an oversized message,
    /// INTERNAL for a broken frame (as grpc-go and grpc-java do).
    pub(crate) fn code(&self) -> Code {
        match self {
            FrameError::TooLarge { .. } => Code::ResourceExhausted,
            FrameError::Truncated(_) | FrameError::Compressed | FrameError::BadFlag(_) => {
                Code::Internal
            }
        }
    }
}

/// Splits a whole request body into its messages; none may be longer than `limit` bytes.
pub(crate) fn split(body: &Bytes, limit: usize) -> Result<Vec<Bytes>, FrameError> {
    let mut messages = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let rest = body.len() - at;
        if rest < HEADER_LEN {
            return Err(FrameError::Truncated(rest));
        }
        let flag = body[at];
        let mut length = [0u8; 4];
        length.copy_from_slice(&body[at + 1..at + HEADER_LEN]);
        let len = usize::try_from(u32::from_be_bytes(length)).unwrap_or(usize::MAX);
        match flag {
            0 => {}
            1 => return Err(FrameError::Compressed),
            other => return Err(FrameError::BadFlag(other)),
        }
        if len > limit {
            return Err(FrameError::TooLarge { len, limit });
        }
        let start = at + HEADER_LEN;
        if body.len() - start < len {
            return Err(FrameError::Truncated(rest));
        }
        messages.push(body.slice(start..start + len));
        at = start + len;
    }
    Ok(messages)
}

/// One uncompressed frame holding `message`.
pub(crate) fn frame(message: &[u8]) -> Bytes {
    let mut framed = BytesMut::with_capacity(HEADER_LEN + message.len());
    framed.put_u8(0);
    // Messages come from the emulator's own answers, far below 4 GiB.
    framed.put_u32(u32::try_from(message.len()).unwrap_or(u32::MAX));
    framed.put_slice(message);
    framed.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_empty_body_holds_no_message() {
        assert_eq!(split(&Bytes::new(), 16), Ok(Vec::new()));
    }

    #[test]
    fn a_short_header_is_truncated() {
        assert_eq!(
            split(&Bytes::from_static(&[0, 0, 0]), 16),
            Err(FrameError::Truncated(3))
        );
    }

    #[test]
    fn a_length_beyond_the_body_is_truncated() {
        let body = Bytes::from_static(&[0, 0, 0, 0, 9, 1, 2]);
        assert_eq!(split(&body, 16), Err(FrameError::Truncated(7)));
    }

    #[test]
    fn a_compressed_frame_without_an_encoding_is_refused_as_internal() {
        let err = split(&Bytes::from_static(&[1, 0, 0, 0, 0]), 16).unwrap_err();
        assert_eq!(err, FrameError::Compressed);
        assert_eq!(err.code(), Code::Internal);
    }

    #[test]
    fn an_oversized_message_is_resource_exhausted() {
        let err = split(&Bytes::from_static(&[0, 0, 0, 1, 0]), 16).unwrap_err();
        assert_eq!(err.code(), Code::ResourceExhausted);
    }

    proptest! {
        #[test]
        fn framed_messages_split_back_into_the_same_messages(
            messages in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..4)
        ) {
            let mut body = BytesMut::new();
            for message in &messages {
                body.extend_from_slice(&frame(message));
            }
            let split = split(&body.freeze(), 64).unwrap();
            prop_assert_eq!(split.iter().map(|m| m.to_vec()).collect::<Vec<_>>(), messages);
        }

        #[test]
        fn any_body_splits_or_is_refused_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = split(&Bytes::from(body), 32);
        }
    }
}

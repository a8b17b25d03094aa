//! A transport-agnostic client for Vertex AI tuning jobs and the Model Registry.

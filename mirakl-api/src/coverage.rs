//! Every operation of the Mirakl seller (shop) OpenAPI, 122 of 122, and the handler method
//! that calls it. Operations marked "hand-written" have their models in the resource modules
//! ([`crate::orders`], [`crate::offers`], [`crate::imports`], …); the others have one module
//! each, generated from the spec by `scripts/gen_ops.py` (request body, response and enum
//! types, and the request builder `Request`).
//!
//! `tests/coverage.rs` checks this table against the operation list derived from the spec
//! (`tests/fixtures/operations.txt`, re-derived from `../shared/specs` when present), and
//! rustdoc checks that every linked method exists.
//!
#![doc = include_str!("coverage.md")]

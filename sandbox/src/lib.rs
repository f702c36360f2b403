//! Work in progress: see the crate issue.

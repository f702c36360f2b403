//! The demo wiring of the reference connector: [`demo`] starts the embedded sandboxes, the
//! webhook receiver and a [`sync_connector`] engine over them and runs the scripted demo (used by
//! the `sync` binary, the tests and the bench). Only with the default `demo` feature: without
//! it (`--no-default-features`) the crate links no sandbox.
#![deny(missing_docs)]

#[cfg(feature = "demo")]
pub mod demo;
#[cfg(feature = "demo")]
pub mod fleet;
#[cfg(feature = "demo")]
pub mod procs;

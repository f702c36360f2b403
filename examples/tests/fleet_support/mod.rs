//! The sandbox stores of `examples::fleet`, for the `fleet_*.rs` tests.

#![allow(unused_imports)]

pub use examples::fleet::*;

//! Local, stateful stand-ins of a BigCommerce store and a Mirakl operator, served on
//! loopback, with fault injection and a deterministic demo data generator.
#![deny(missing_docs)]

pub mod bigcommerce;
pub mod demo;
pub mod faults;
pub mod mirakl;

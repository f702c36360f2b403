//! The Mirakl operator stand-in.

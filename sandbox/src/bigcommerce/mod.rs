//! The BigCommerce store stand-in.

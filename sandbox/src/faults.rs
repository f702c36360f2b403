//! Fault injection and request logging shared by both stand-ins.

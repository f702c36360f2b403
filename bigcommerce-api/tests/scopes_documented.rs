//! Every public handler method names the OAuth scope its call needs (issue 17), so that a
//! user creating a store-level API account knows which scopes to tick. The scopes come from
//! the `X-Auth-Token` security scheme of each spec file under
//! `../shared/specs/bigcommerce/bigcommerce-docs/reference/` and from
//! `docs/start/authentication/api-accounts.mdx` (webhooks: default scope).

const HANDLERS: &[(&str, &str)] = &[
    ("catalog.rs", include_str!("../src/api/catalog.rs")),
    ("channels.rs", include_str!("../src/api/channels.rs")),
    ("inventory.rs", include_str!("../src/api/inventory.rs")),
    ("metafields.rs", include_str!("../src/api/metafields.rs")),
    ("orders.rs", include_str!("../src/api/orders.rs")),
    ("pricelists.rs", include_str!("../src/api/pricelists.rs")),
    ("store.rs", include_str!("../src/api/store.rs")),
    ("webhooks.rs", include_str!("../src/api/webhooks.rs")),
];

/// Known scope parameters (api-accounts.mdx), one of which each note must name (or say
/// that none is needed).
const SCOPES: &[&str] = &[
    "store_v2_products",
    "store_v2_orders",
    "store_v2_transactions",
    "store_v2_information",
    "store_inventory",
    "store_locations",
    "store_channel_settings",
    "store_channel_listings",
    "default scope",
    "the owner's",
];

#[test]
fn every_public_handler_method_names_its_scope() {
    let mut missing = Vec::new();
    for (file, text) in HANDLERS {
        let lines: Vec<&str> = text.lines().collect();
        let mut filters_impl = false;
        for (i, line) in lines.iter().enumerate() {
            if line.starts_with("impl") {
                // Builder filters (`impl List<...>`) are setters, not calls.
                filters_impl = line.starts_with("impl List<");
            }
            let t = line.trim_start();
            if filters_impl || !(t.starts_with("pub fn ") || t.starts_with("pub async fn ")) {
                continue;
            }
            let mut doc = Vec::new();
            let mut j = i;
            while j > 0 && {
                let above = lines[j - 1].trim_start();
                above.starts_with("///") || above.starts_with("#[")
            } {
                j -= 1;
                doc.push(lines[j]);
            }
            let doc = doc.join(" ");
            let named = doc.contains("Scope") && SCOPES.iter().any(|s| doc.contains(s));
            if !named {
                missing.push(format!("{file}: {}", t.trim_end_matches(" {")));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "methods without a scope note:\n{}",
        missing.join("\n")
    );
}

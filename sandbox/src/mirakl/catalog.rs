//! The operator's fixed reference data: carriers (SH21), logistic classes (SH31), custom fields (AF01), platform
//! configuration (PC01) and the shop account (A01). The catalog structure (H11, PM11,
//! VL11) is configurable: see [`super::operator`]. Shapes follow the seller OpenAPI
//! (`specs/mirakl/mirakl-mmp-seller-openapi.json`); the values are the sandbox operator's own.

use serde_json::{Value, json};

use super::MiraklConfig;
use super::offers::{LOGISTIC_CLASSES, OFFER_STATES, PRICE_DECIMALS};

/// Where products created on the fly (open catalog, seeded offers) are filed.
pub(crate) const DEFAULT_CATEGORY: (&str, &str) = ("9010", "General merchandise");

/// `(code, label, standard_code, tracking_url)` of the registered carriers.
pub(crate) const CARRIERS: &[(&str, &str, &str, &str)] = &[
    (
        "AUPOST",
        "Australia Post",
        "AUSPOST",
        "https://auspost.com.au/mypost/track/#/details/{trackingId}",
    ),
    (
        "STARTRACK",
        "StarTrack",
        "STARTRACK",
        "https://startrack.com.au/track/details/{trackingId}",
    ),
    (
        "DHL",
        "DHL",
        "DHL",
        "https://www.dhl.com/au-en/home/tracking.html?tracking-id={trackingId}",
    ),
    (
        "UPS",
        "UPS",
        "UPS",
        "https://www.ups.com/track?tracknum={trackingId}",
    ),
];

/// SH21.
pub(crate) fn carriers() -> Value {
    let list: Vec<Value> = CARRIERS
        .iter()
        .map(|(code, label, standard, url)| {
            json!({ "code": code, "label": label, "standard_code": standard, "tracking_url": url })
        })
        .collect();
    json!({ "carriers": list })
}

/// SH31.
pub(crate) fn logistic_classes() -> Value {
    let list: Vec<Value> = LOGISTIC_CLASSES
        .iter()
        .map(|(code, label)| json!({ "code": code, "description": label, "label": label }))
        .collect();
    json!({ "logistic_classes": list })
}

/// OF61.
pub(crate) fn offer_states() -> Value {
    let list: Vec<Value> = OFFER_STATES
        .iter()
        .map(|(code, label)| json!({ "code": code, "label": label }))
        .collect();
    json!({ "offer_states": list, "total_count": list.len() })
}

/// AF01, optionally restricted to some entities (`OFFER`, `ORDER`, `ORDER_LINE`, `SHOP`).
pub(crate) fn additional_fields(entities: Option<&str>) -> Value {
    let fields = [
        ("warranty-months", "Warranty (months)", "OFFER", "NUMERIC"),
        ("gift-message", "Gift message", "ORDER_LINE", "STRING"),
        (
            "customer-care-phone",
            "Customer care phone number",
            "SHOP",
            "STRING",
        ),
    ];
    let wanted: Option<Vec<String>> = entities.map(|e| {
        e.split(',')
            .map(|s| s.trim().to_ascii_uppercase())
            .collect()
    });
    let list: Vec<Value> = fields
        .iter()
        .filter(|(_, _, entity, _)| {
            wanted
                .as_ref()
                .is_none_or(|w| w.iter().any(|x| x == entity))
        })
        .map(|(code, label, entity, kind)| {
            json!({
                "code": code, "description": label, "editable": true, "entity": entity,
                "label": label, "required": false, "type": kind,
            })
        })
        .collect();
    json!({ "total_count": list.len(), "additional_fields": list })
}

/// PC01. `features.offer_stock_import` / `features.offer_pricing_import` (whether STO01 and
/// PRI01 are enabled) and `features.order_workflows.partial_acceptance` are sandbox additions:
/// the published schema has no such flags, and clients must tolerate unknown fields.
pub(crate) fn platform_configuration(config: &MiraklConfig) -> Value {
    json!({
        "features": {
            "catalog": {
                "allow_shop_contribution_to_all_channels": true,
                "exclude_invalid_products": true,
                "list_of_multiple_values_separator": "|",
                "product_acceptance_by_channel": false,
                "product_data_validation_by_channel": false,
                "product_import_only_on_leaf": true,
            },
            "competitive_pricing_tool": false,
            "disable_seller_alternative_carrier": config.disable_alternative_carrier,
            "lead_time_to_ship_by_sellers_enabled": "YES",
            "multi_currency": false,
            "offer_prices_decimals": PRICE_DECIMALS.to_string(),
            "offer_stock_import": config.stock_import_enabled,
            "offer_pricing_import": config.price_import_enabled,
            "operator_csv_delimiter": "SEMICOLON",
            "order_conditions": {
                "lead_time_to_ship": true,
                "maximum_order_quantity": false,
                "minimum_order_quantity": false,
                "package_order_quantity": false,
            },
            "order_tax_mode": "TAX_INCLUDED",
            "order_workflows": {
                "no_customer_payment_confirmation": true,
                "order_acceptance": "NOT_AUTOMATIC",
                "partial_acceptance": config.partial_acceptance,
                "pause_debit_workflow": false,
                "pay_on_due_date": false,
                "pay_on_shipment": false,
                "sellers_edit_shipping_origin": false,
                "shipping_and_billing_details_before_acceptance": false,
            },
            "pricing": {
                "channel_pricing": "DISABLED",
                "discount_period_required": false,
                "scheduled_pricing": false,
                "volume_discount": false,
                "volume_pricing": false,
            },
            "shipment": { "multi_part_item_shipment": false, "multi_shipment": config.multi_shipment },
            "tax_collection": {
                "activated": "NO",
                "product_tax_code_mandatory": false,
                "tax_collection_by_operator": false,
            },
        },
        "modules": {
            "mirakl_catalog_integrator": true,
            "mirakl_catalog_manager": false,
            "mirakl_catalog_transformer": false,
            "mirakl_platform_services": false,
            "offer_management": true,
            "order_management": true,
            "quotes": false,
        },
        "platform_configuration": {
            "customer_model": { "b2b": false, "b2c": true },
            "platform_model": { "drop_ship": false, "marketplace": true, "one_creditor": false },
        },
        "platform_name": "Sandbox marketplace",
        "tenant_name": "sandbox-dev",
        "timezone": "Australia/Sydney",
    })
}

/// A01.
pub(crate) fn account(
    config: &MiraklConfig,
    offers_count: usize,
    orders_count: usize,
    created: &str,
) -> Value {
    json!({
        "applicable_taxes": [],
        "approval_delay": 0,
        "approval_rate": 1,
        "channels": [],
        "contact_informations": {
            "city": "Sydney", "country": "AUS", "email": "seller@example.com",
            "firstname": "Sam", "lastname": "Seller", "phone": "+61 2 0000 0000",
            "street1": "1 Example Street", "zip_code": "2000",
        },
        "currency_iso_code": config.currency,
        "date_created": created,
        "default_billing_information": {},
        "billing_info": {},
        "description": "Sandbox shop",
        "domains": [],
        "evaluations_count": 0,
        "free_shipping": false,
        "is_professional": true,
        "last_updated_date": created,
        "offers_count": offers_count,
        "orders_count": orders_count,
        "payment_details": {},
        "payment_method_mandatory": false,
        "premium": false,
        "pro_details": {},
        "shipping": {},
        "shipping_country": "AUS",
        "shipping_types": ["STD"],
        "shipping_zones": ["AU"],
        "shippings": [{ "shipping_type_code": "STD", "shipping_zone_code": "AU" }],
        "shop_additional_fields": [],
        "shop_id": config.shop_id,
        "shop_name": config.shop_name,
        "shop_state": "OPEN",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additional_fields_filter_by_entity() {
        let v = additional_fields(Some("OFFER"));
        assert_eq!(v["total_count"], 1);
        assert_eq!(v["additional_fields"][0]["code"], "warranty-months");
    }
}

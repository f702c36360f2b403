//! Both stand-ins check every request against the contracts derived from the official documents
//! (`sandbox/contracts/*.json`, from `../shared/specs/`). Each test sends a request shape our
//! code used to send (issue 10), raw, and sees it rejected or recorded, then the conforming shape
//! accepted.
//!
//! Rules and their sources:
//! - OR28 `refunds[].required` includes `shipping_amount`; `amount`, `shipping_amount` and
//!   `taxes[].amount` are `number`: specs/mirakl/mirakl-mmp-seller-openapi.json
//!   `#/paths/~1api~1orders~1refund/put`.
//! - OF24 `offers[].price` and `discount.price` are `number`: same file, `#/paths/~1api~1offers/post`.
//! - v2 order products `price_inc_tax`, `price_ex_tax` are `number`:
//!   specs/bigcommerce/bigcommerce-docs/reference/orders.v2.oas2.yml `#/paths/~1orders/post`.
//! - `GET /v3/catalog/variants` declares `id`, `sku`, `upc`, `product_id:in`, … but not `id:in`:
//!   specs/bigcommerce/bigcommerce-docs/reference/catalog/product-variants_catalog.v3.yml.
//! - P41 multipart fields `file` (required), `operator_format`, `conversion_type`,
//!   `conversion_options`: mirakl-mmp-seller-openapi.json `#/paths/~1api~1products~1imports/post`.

use std::time::Duration;

use reqwest::multipart::{Form, Part};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sync_sandbox::bigcommerce::BigCommerceConfig;
use sync_sandbox::contract::VIOLATIONS_PATH;
use sync_sandbox::demo::DemoCatalog;
use sync_sandbox::mirakl::{
    Address, Customer, MiraklConfig, MiraklSandbox, NewOrder, NewOrderLine, OfferSeed,
};
use sync_sandbox::{BigCommerceSandbox, ContractChecking, ViolationKind};

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

struct Answer {
    status: u16,
    body: Value,
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer { status, body }
}

// ---------------------------------------------------------------- Mirakl

async fn mirakl(contracts: ContractChecking) -> MiraklSandbox {
    let sandbox = MiraklSandbox::start(MiraklConfig {
        contracts,
        debit_delay: Duration::from_secs(3600),
        ..MiraklConfig::default()
    })
    .await
    .expect("sandbox");
    sandbox.seed_offers([OfferSeed {
        shop_sku: "SKU-1".into(),
        ean: Some("9300000000001".into()),
        title: "Mug".into(),
        price: Decimal::new(2500, 2),
        quantity: 10,
    }]);
    sandbox
}

async fn mirakl_send(
    sandbox: &MiraklSandbox,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let mut request = http()
        .request(method, format!("{}{path}", sandbox.base_url()))
        .header("Authorization", sandbox.api_key());
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    answer(request.send().await.expect("send")).await
}

/// An order in SHIPPING (accepted and debited), returning its id and line id.
async fn shipping_order(sandbox: &MiraklSandbox) -> (String, String) {
    let order_id = sandbox
        .create_order(NewOrder {
            customer: Customer {
                customer_id: "C-1".into(),
                firstname: "Jo".into(),
                lastname: "Bloggs".into(),
                civility: None,
                locale: None,
                notification_email: "jo@notification.sandbox.invalid".into(),
                shipping_address: Address {
                    firstname: "Jo".into(),
                    lastname: "Bloggs".into(),
                    street_1: "1 Example St".into(),
                    city: "Sydney".into(),
                    zip_code: "2000".into(),
                    country: "Australia".into(),
                    country_iso_code: "AUS".into(),
                    ..Address::default()
                },
                billing_address: None,
            },
            lines: vec![NewOrderLine {
                shop_sku: "SKU-1".into(),
                quantity: 2,
                unit_price: Decimal::new(2500, 2),
                shipping_price: Decimal::new(500, 2),
            }],
            customer_reference: None,
        })
        .expect("order");
    let line_id = sandbox.order(&order_id).expect("order").lines[0]
        .order_line_id
        .clone();
    let accepted = mirakl_send(
        sandbox,
        reqwest::Method::PUT,
        &format!("api/orders/{order_id}/accept"),
        Some(json!({"order_lines": [{"accepted": true, "id": line_id}]})),
    )
    .await;
    assert_eq!(accepted.status, 204, "OR21: {}", accepted.body);
    sandbox.trigger_debit(&order_id).expect("debit");
    (order_id, line_id)
}

fn refund_line(line_id: &str) -> Value {
    json!({"order_line_id": line_id, "quantity": 1, "amount": 25.00, "reason_code": "15",
           "shipping_amount": 0, "currency_iso_code": "AUD",
           "taxes": [{"amount": 2.27, "code": "GST"}]})
}

#[tokio::test]
async fn or28_without_shipping_amount_is_rejected_and_recorded() {
    let sandbox = mirakl(ContractChecking::Enforce).await;
    let (_, line_id) = shipping_order(&sandbox).await;
    let mut line = refund_line(&line_id);
    line.as_object_mut()
        .expect("line")
        .remove("shipping_amount");
    let old = mirakl_send(
        &sandbox,
        reqwest::Method::PUT,
        "api/orders/refund",
        Some(json!({"refunds": [line]})),
    )
    .await;
    assert_eq!(old.status, 400);
    assert_eq!(old.body["status"], 400);
    assert!(
        old.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("shipping_amount")),
        "{}",
        old.body
    );
    let violations = sandbox.contract_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].operation, "OR28");
    assert_eq!(violations[0].kind, ViolationKind::InvalidBody);
    assert!(violations[0].detail.contains("shipping_amount"));
    assert!(
        violations[0]
            .spec
            .starts_with("mirakl/mirakl-mmp-seller-openapi.json#")
    );
    assert_eq!(
        sandbox
            .order(&sandbox.orders()[0].order_id)
            .expect("order")
            .lines[0]
            .refunded_quantity,
        0
    );

    // The conforming request (shipping_amount 0, numbers) is accepted.
    let ok = mirakl_send(
        &sandbox,
        reqwest::Method::PUT,
        "api/orders/refund",
        Some(json!({"refunds": [refund_line(&line_id)]})),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(sandbox.contract_violations().len(), 1);
}

#[tokio::test]
async fn or28_handler_no_longer_fills_a_missing_shipping_amount() {
    // With checking off, the operator itself still refuses the line (it used to refund it with
    // shipping_amount 0, hiding the defect).
    let sandbox = mirakl(ContractChecking::Off).await;
    let (_, line_id) = shipping_order(&sandbox).await;
    let mut line = refund_line(&line_id);
    line.as_object_mut()
        .expect("line")
        .remove("shipping_amount");
    let old = mirakl_send(
        &sandbox,
        reqwest::Method::PUT,
        "api/orders/refund",
        Some(json!({"refunds": [line]})),
    )
    .await;
    assert_eq!(old.status, 400, "{}", old.body);
    assert!(
        old.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("shipping_amount"))
    );
}

#[tokio::test]
async fn or28_money_as_strings_is_rejected_but_passes_with_checking_off() {
    let strings = |line_id: &str| {
        json!({"refunds": [{"order_line_id": line_id, "quantity": 1, "amount": "25.00",
               "reason_code": "15", "shipping_amount": "0", "currency_iso_code": "AUD",
               "taxes": [{"amount": "2.27", "code": "GST"}]}]})
    };
    let sandbox = mirakl(ContractChecking::Enforce).await;
    let (_, line_id) = shipping_order(&sandbox).await;
    let old = mirakl_send(
        &sandbox,
        reqwest::Method::PUT,
        "api/orders/refund",
        Some(strings(&line_id)),
    )
    .await;
    assert_eq!(old.status, 400, "{}", old.body);
    let paths: Vec<String> = sandbox
        .contract_violations()
        .iter()
        .map(|v| v.detail.split(':').next().unwrap_or_default().to_owned())
        .collect();
    for path in [
        "/refunds/0/amount",
        "/refunds/0/shipping_amount",
        "/refunds/0/taxes/0/amount",
    ] {
        assert!(paths.iter().any(|p| p == path), "{path} in {paths:?}");
    }

    // The opt-out shows what the check catches: the handler alone decodes strings leniently.
    let lenient = mirakl(ContractChecking::Off).await;
    let (_, line_id) = shipping_order(&lenient).await;
    let accepted = mirakl_send(
        &lenient,
        reqwest::Method::PUT,
        "api/orders/refund",
        Some(strings(&line_id)),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert!(lenient.contract_violations().is_empty());
}

#[tokio::test]
async fn of24_money_as_strings_is_rejected_and_numbers_are_accepted() {
    let sandbox = mirakl(ContractChecking::Enforce).await;
    let offer = |price: Value, discount: Value| {
        json!({"offers": [{"shop_sku": "SKU-1", "product_id": "9300000000001",
               "product_id_type": "EAN", "state_code": "11", "quantity": 5,
               "price": price, "discount": {"price": discount},
               "update_delete": "update"}]})
    };
    let old = mirakl_send(
        &sandbox,
        reqwest::Method::POST,
        "api/offers",
        Some(offer(json!("24.90"), json!("19.90"))),
    )
    .await;
    assert_eq!(old.status, 400, "{}", old.body);
    let details: Vec<String> = sandbox
        .contract_violations()
        .into_iter()
        .map(|v| v.detail)
        .collect();
    assert!(
        details.iter().any(|d| d.starts_with("/offers/0/price:")),
        "{details:?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d.starts_with("/offers/0/discount/price:")),
        "{details:?}"
    );
    sandbox.contract_log().clear();

    let ok = mirakl_send(
        &sandbox,
        reqwest::Method::POST,
        "api/offers",
        Some(offer(json!(24.90), json!(19.90))),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert!(sandbox.contract_violations().is_empty());
}

#[tokio::test]
async fn p41_multipart_fields_are_checked() {
    let sandbox = mirakl(ContractChecking::Enforce).await;
    let send = |form: Form| {
        http()
            .post(format!("{}api/products/imports", sandbox.base_url()))
            .header("Authorization", sandbox.api_key())
            .multipart(form)
            .send()
    };
    // No `file` part: the one required field.
    let missing = answer(
        send(Form::new().text("operator_format", "true"))
            .await
            .expect("P41"),
    )
    .await;
    assert_eq!(missing.status, 400, "{}", missing.body);
    let violations = sandbox.contract_violations();
    assert_eq!(violations[0].kind, ViolationKind::MissingMultipartField);
    assert!(violations[0].detail.contains("file"));
    sandbox.contract_log().clear();

    // `operator_format` is declared; a misspelt field is recorded.
    let file = || Part::bytes(b"sku;title\nA;Mug\n".to_vec()).file_name("p.csv");
    let ok = answer(
        send(
            Form::new()
                .part("file", file())
                .text("operator_format", "true"),
        )
        .await
        .expect("P41"),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert!(sandbox.contract_violations().is_empty());
    answer(
        send(
            Form::new()
                .part("file", file())
                .text("operatorFormat", "true"),
        )
        .await
        .expect("P41"),
    )
    .await;
    let violations = sandbox.contract_violations();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].kind, ViolationKind::UndeclaredMultipartField);
    assert!(violations[0].detail.contains("operatorFormat"));
}

#[tokio::test]
async fn mirakl_unknown_paths_and_undeclared_parameters_are_recorded() {
    let sandbox = mirakl(ContractChecking::Enforce).await;
    let unknown = mirakl_send(
        &sandbox,
        reqwest::Method::GET,
        "api/offers/everything",
        None,
    )
    .await;
    // `/api/offers/{offer}` matches by shape; a path with no operation at all is a 404.
    let none = mirakl_send(&sandbox, reqwest::Method::GET, "api/nothing/here", None).await;
    assert_eq!(none.status, 404);
    assert_eq!(none.body["status"], 404);
    // Declared paging parameters (OR11 supports offset pagination) pass; an invented one is
    // recorded and ignored.
    let listed = mirakl_send(
        &sandbox,
        reqwest::Method::GET,
        "api/orders?max=10&offset=0&paginate=true&order_state=SHIPPING",
        None,
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let kinds: Vec<(String, ViolationKind)> = sandbox
        .contract_violations()
        .into_iter()
        .map(|v| (v.operation, v.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (
                "GET /api/nothing/here".to_owned(),
                ViolationKind::UnknownOperation
            ),
            ("OR11".to_owned(), ViolationKind::UndeclaredQuery),
        ],
        "unknown offer id answered {}",
        unknown.status
    );
    // The admin endpoint reports the same log to another process.
    let admin = answer(
        http()
            .get(format!(
                "{}{}",
                sandbox.base_url(),
                VIOLATIONS_PATH.trim_start_matches('/')
            ))
            .send()
            .await
            .expect("admin"),
    )
    .await;
    assert_eq!(admin.status, 200);
    assert_eq!(admin.body["count"], 2);
    assert_eq!(admin.body["violations"][1]["kind"], "undeclared_query");
}

#[tokio::test]
async fn comma_separated_list_parameters_are_checked_value_by_value() {
    let sandbox = mirakl(ContractChecking::Enforce).await;
    let ok = mirakl_send(
        &sandbox,
        reqwest::Method::GET,
        "api/orders?order_state_codes=WAITING_ACCEPTANCE,SHIPPING",
        None,
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(sandbox.contract_violations().is_empty());
    let bad = mirakl_send(
        &sandbox,
        reqwest::Method::GET,
        "api/orders?order_state_codes=SHIPPING,SENT",
        None,
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(
        sandbox.contract_violations()[0].kind,
        ViolationKind::InvalidQuery
    );
}

// ---------------------------------------------------------------- BigCommerce

async fn bigcommerce(contracts: ContractChecking) -> (BigCommerceSandbox, DemoCatalog) {
    let bc = BigCommerceSandbox::start(BigCommerceConfig {
        contracts,
        ..BigCommerceConfig::default()
    })
    .await
    .expect("sandbox");
    let catalog = DemoCatalog::generate(3, 4, 2);
    bc.load_demo(&catalog);
    (bc, catalog)
}

async fn bc_send(
    bc: &BigCommerceSandbox,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let mut request = http()
        .request(method, format!("{}{path}", bc.api_url()))
        .header("X-Auth-Token", bc.access_token())
        .header("Accept", "application/json");
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    answer(request.send().await.expect("send")).await
}

fn billing() -> Value {
    json!({"first_name": "Jane", "last_name": "Doe", "street_1": "1 George St", "city": "Sydney",
           "state": "New South Wales", "zip": "2000", "country": "Australia", "country_iso2": "AU",
           "email": "jane@example.com"})
}

#[tokio::test]
async fn v2_order_create_with_string_prices_is_rejected_in_the_v2_shape() {
    let (bc, catalog) = bigcommerce(ContractChecking::Enforce).await;
    let sku = &catalog.products[0].variants[0].sku;
    let pid = bc.product_id(sku).expect("product");
    let vid = bc.variant_id(sku).expect("variant");
    let order = |price: Value| {
        json!({"billing_address": billing(), "status_id": 11, "products": [
            {"product_id": pid, "variant_id": vid, "quantity": 1,
             "price_inc_tax": price.clone(), "price_ex_tax": price}]})
    };
    let old = bc_send(
        &bc,
        reqwest::Method::POST,
        "v2/orders",
        Some(order(json!("24.50"))),
    )
    .await;
    assert_eq!(old.status, 400, "{}", old.body);
    assert_eq!(old.body[0]["status"], 400, "v2 error shape: {}", old.body);
    assert!(old.body[0]["message"].is_string());
    let violations = bc.contract_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].operation, "createOrder");
    assert!(
        violations[0].detail.starts_with("/products/0"),
        "{}",
        violations[0].detail
    );
    assert!(bc.order_ids().is_empty(), "nothing created");

    let ok = bc_send(
        &bc,
        reqwest::Method::POST,
        "v2/orders",
        Some(order(json!(24.50))),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(bc.contract_violations().len(), 1);
}

#[tokio::test]
async fn v3_body_errors_answer_422_with_the_v3_shape() {
    let (bc, _) = bigcommerce(ContractChecking::Enforce).await;
    let missing = bc_send(
        &bc,
        reqwest::Method::POST,
        "v3/catalog/products",
        Some(json!({"name": "No price", "type": "physical", "weight": "heavy"})),
    )
    .await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    assert_eq!(missing.body["status"], 422);
    assert!(missing.body["title"].is_string());
    assert!(missing.body["type"].is_string());
    assert!(
        missing.body["errors"]["price"].is_string(),
        "{}",
        missing.body
    );
    assert!(
        missing.body["errors"]["weight"].is_string(),
        "{}",
        missing.body
    );
}

#[tokio::test]
async fn undeclared_variant_filter_is_ignored_and_recorded() {
    let (bc, catalog) = bigcommerce(ContractChecking::Enforce).await;
    let sku = &catalog.products[0].variants[0].sku;
    let vid = bc.variant_id(sku).expect("variant");
    let pid = bc.product_id(sku).expect("product");
    // `id:in` is not declared for GET /v3/catalog/variants: BigCommerce ignores it and answers
    // every variant of the store.
    let old = bc_send(
        &bc,
        reqwest::Method::GET,
        &format!("v3/catalog/variants?id:in={vid}&limit=250"),
        None,
    )
    .await;
    assert_eq!(old.status, 200, "{}", old.body);
    assert_eq!(
        old.body["data"].as_array().expect("data").len(),
        8,
        "filter ignored: all variants"
    );
    let violations = bc.contract_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].kind, ViolationKind::UndeclaredQuery);
    assert_eq!(violations[0].operation, "getVariants");
    assert!(violations[0].detail.contains("id:in"));
    // The declared `product_id:in` filter works and records nothing.
    bc.contract_log().clear();
    let declared = bc_send(
        &bc,
        reqwest::Method::GET,
        &format!("v3/catalog/variants?product_id%3Ain={pid}"),
        None,
    )
    .await;
    assert_eq!(declared.status, 200);
    assert_eq!(declared.body["data"].as_array().expect("data").len(), 2);
    assert!(
        bc.contract_violations().is_empty(),
        "{:?}",
        bc.contract_violations()
    );
}

#[tokio::test]
async fn bigcommerce_query_values_and_unknown_paths_are_checked() {
    let (bc, _) = bigcommerce(ContractChecking::Enforce).await;
    // `sort` takes a declared field, with `:asc`/`:desc` as the description allows.
    let sorted = bc_send(&bc, reqwest::Method::GET, "v2/orders?sort=id:desc", None).await;
    assert_eq!(sorted.status, 204, "{}", sorted.body);
    let bad = bc_send(&bc, reqwest::Method::GET, "v2/orders?sort=colour", None).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.body[0]["status"], 400);
    let too_many = bc_send(
        &bc,
        reqwest::Method::GET,
        "v3/catalog/products?limit=251",
        None,
    )
    .await;
    assert_eq!(too_many.status, 413);
    let unknown = bc_send(&bc, reqwest::Method::GET, "v3/catalog/nothing", None).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["status"], 404);
    let kinds: Vec<ViolationKind> = bc.contract_violations().iter().map(|v| v.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ViolationKind::InvalidQuery,
            ViolationKind::InvalidQuery,
            ViolationKind::UnknownOperation
        ]
    );
}

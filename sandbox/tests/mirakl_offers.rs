//! The Mirakl stand-in's offer side over HTTP: OF01 imports with error reports, OF24 upserts,
//! STO01/PRI01, OF52 exports, reference data, auth and call ceilings. Responses are decoded
//! with the `mirakl-api` models, so the sandbox and the client agree on the shapes of
//! `specs/mirakl/mirakl-mmp-seller-openapi.json`.

use std::time::Duration;

use mirakl_api::imports::{OfferImport, parse_error_report};
use mirakl_api::offers::OfferList;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sync_sandbox::mirakl::{CatalogProduct, Ceiling, MiraklConfig, MiraklSandbox};

/// reqwest is built without its `json` feature in this workspace; these do the same by hand.
trait JsonBody {
    fn json_body(self, value: &Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, value: &Value) -> Self {
        self.header("Content-Type", "application/json")
            .body(serde_json::to_vec(value).expect("serializable"))
    }
}

trait JsonValue {
    async fn json_value<T: serde::de::DeserializeOwned>(self) -> Result<T, String>;
}

impl JsonValue for reqwest::Response {
    async fn json_value<T: serde::de::DeserializeOwned>(self) -> Result<T, String> {
        let bytes = self.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{e}: {}", String::from_utf8_lossy(&bytes)))
    }
}

const HOUR: Duration = Duration::from_secs(3600);

fn slow_imports() -> MiraklConfig {
    MiraklConfig {
        import_wait: HOUR,
        import_run: HOUR,
        ..MiraklConfig::default()
    }
}

struct Api {
    sandbox: MiraklSandbox,
    http: reqwest::Client,
}

impl Api {
    async fn start(config: MiraklConfig) -> Api {
        let sandbox = MiraklSandbox::start(config).await.expect("sandbox starts");
        Api {
            sandbox,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}{}",
            self.sandbox.base_url(),
            path.trim_start_matches('/')
        )
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .get(self.url(path))
            .header("Authorization", self.sandbox.api_key())
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .post(self.url(path))
            .header("Authorization", self.sandbox.api_key())
    }

    async fn json(&self, path: &str) -> Value {
        let response = self.get(path).send().await.expect("request");
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json_value().await.expect("json body")
    }

    async fn upload(&self, path: &str, csv: &str, mode: Option<&str>) -> Value {
        let mut form = Form::new().part(
            "file",
            Part::bytes(csv.as_bytes().to_vec())
                .file_name("file.csv")
                .mime_str("text/csv")
                .expect("mime"),
        );
        if let Some(mode) = mode {
            form = form.text("import_mode", mode.to_owned());
        }
        let response = self
            .post(path)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(response.status(), StatusCode::CREATED, "POST {path}");
        response.json_value().await.expect("json body")
    }

    async fn offers(&self) -> OfferList {
        serde_json::from_value(self.json("api/offers?max=100").await).expect("OF21 decodes")
    }
}

#[tokio::test]
async fn offer_import_runs_asynchronously_and_reports_bad_rows() {
    let config = MiraklConfig {
        open_catalog: false,
        products: vec![
            CatalogProduct {
                shop_sku: "BC-1".into(),
                ean: Some("9312345678907".into()),
                title: "Blue mug".into(),
                brand: None,
            },
            CatalogProduct {
                shop_sku: "BC-2".into(),
                ean: None,
                title: "Red mug".into(),
                brand: None,
            },
        ],
        ..slow_imports()
    };
    let api = Api::start(config).await;
    let csv = "\"sku\";\"product-id\";\"product-id-type\";\"description\";\"price\";\"quantity\";\"state\";\"update-delete\"\n\
               \"BC-1\";\"9312345678907\";\"EAN\";\"Blue mug\";\"19.90\";\"12\";\"11\";\"update\"\n\
               \"BC-2\";\"BC-2\";\"SHOP_SKU\";\"Red mug\";\"-5\";\"3\";\"11\";\"update\"\n\
               \"BC-3\";\"0000000000000\";\"EAN\";\"Ghost\";\"9.90\";\"1\";\"11\";\"update\"\n\
               \"BC-4\";\"BC-2\";\"SHOP_SKU\";\"Bad quantity\";\"9.90\";\"lots\";\"11\";\"update\"\n";
    let created = api.upload("api/offers/imports", csv, Some("NORMAL")).await;
    let id = created["import_id"].as_u64().expect("numeric import_id");

    let status: OfferImport =
        serde_json::from_value(api.json(&format!("api/offers/imports/{id}")).await)
            .expect("OF02 decodes");
    assert_eq!(status.import_id, id);
    assert_eq!(status.status.as_str(), "WAITING");
    assert_eq!(status.lines_in_pending, 4);
    assert!(!status.has_error_report);
    // No report before the import has run.
    let early = api
        .get(&format!("api/offers/imports/{id}/error_report"))
        .send()
        .await
        .expect("OF03");
    assert_eq!(early.status(), StatusCode::NOT_FOUND);

    api.sandbox.advance_clock(HOUR);
    let running = api.json(&format!("api/offers/imports/{id}")).await;
    assert_eq!(running["status"], "RUNNING");
    assert!(
        api.offers().await.offers.is_empty(),
        "nothing applied while RUNNING"
    );

    api.sandbox.advance_clock(HOUR);
    let done: OfferImport =
        serde_json::from_value(api.json(&format!("api/offers/imports/{id}")).await)
            .expect("OF02 decodes");
    assert_eq!(done.status.as_str(), "COMPLETE");
    assert_eq!(
        (done.lines_read, done.lines_in_success, done.lines_in_error),
        (4, 1, 3)
    );
    assert_eq!(done.offer_inserted, 1);
    assert!(done.has_error_report);

    let report = api
        .get(&format!("api/offers/imports/{id}/error_report"))
        .send()
        .await
        .expect("OF03");
    assert_eq!(report.status(), StatusCode::OK);
    let report = parse_error_report(&report.bytes().await.expect("bytes")).expect("report parses");
    let rows: Vec<(Option<String>, Option<u64>, String)> = report
        .rows
        .iter()
        .map(|r| (r.sku.clone(), r.line, r.message.clone().unwrap_or_default()))
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[0].0.as_deref(), Some("BC-2"));
    assert_eq!(rows[0].1, Some(3));
    assert!(rows[0].2.contains("positive"), "{}", rows[0].2);
    assert_eq!(rows[1].0.as_deref(), Some("BC-3"));
    assert!(
        rows[1].2.contains("product does not exist"),
        "{}",
        rows[1].2
    );
    assert_eq!(rows[2].0.as_deref(), Some("BC-4"));
    assert!(rows[2].2.contains("quantity"), "{}", rows[2].2);

    let offers = api.offers().await;
    assert_eq!(offers.total_count, 1);
    let offer = &offers.offers[0];
    assert_eq!(offer.shop_sku.as_str(), "BC-1");
    assert_eq!(offer.quantity, 12);
    assert_eq!(offer.price, Some(Decimal::new(1990, 2)));
    assert_eq!(offer.product_sku.as_deref(), Some("MKP-BC-1"));

    // OF04 lists it, newest first.
    let list = api.json("api/offers/imports?limit=10").await;
    assert_eq!(list["data"][0]["import_id"], id);
}

#[tokio::test]
async fn replace_mode_deletes_offers_missing_from_the_file() {
    let api = Api::start(MiraklConfig::default()).await;
    let header = "sku;product-id;product-id-type;price;quantity;state\n";
    api.upload(
        "api/offers/imports",
        &format!("{header}A;111;EAN;1.00;1;11\nB;222;EAN;2.00;2;11\n"),
        Some("NORMAL"),
    )
    .await;
    api.sandbox.finish_imports();
    assert_eq!(api.offers().await.total_count, 2);
    let created = api
        .upload(
            "api/offers/imports",
            &format!("{header}B;222;EAN;2.50;2;11\n"),
            Some("REPLACE"),
        )
        .await;
    api.sandbox.finish_imports();
    let offers = api.offers().await;
    assert_eq!(offers.total_count, 1);
    assert_eq!(offers.offers[0].price, Some(Decimal::new(250, 2)));
    let status = api
        .json(&format!("api/offers/imports/{}", created["import_id"]))
        .await;
    assert_eq!(status["offer_deleted"], 1);
    assert_eq!(status["offer_updated"], 1);
    assert_eq!(status["mode"], "REPLACE");

    // A missing import_mode is a 400 with Mirakl's error body.
    let form = Form::new().part("file", Part::bytes(b"sku\n".to_vec()).file_name("f.csv"));
    let response = api
        .post("api/offers/imports")
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json_value().await.expect("json");
    assert_eq!(body["status"], 400);
}

#[tokio::test]
async fn of24_upsert_is_visible_in_of21_and_resets_fields_not_sent() {
    let api = Api::start(MiraklConfig::default()).await;
    // Numbers as the OF24 schema declares them (`quantity` integer, `price` number), although
    // the spec's own example sends some as strings.
    let full = json!({ "offers": [{
        "shop_sku": "BC-SKU-1", "product_id": "9312345678907", "product_id_type": "EAN",
        "state_code": "11", "price": 59.90, "quantity": 12, "leadtime_to_ship": 5,
        "logistic_class": "M", "description": "Blue mug",
        "discount": { "price": 49.90, "start_date": "2020-01-01T00:00:00Z", "end_date": "2999-01-01T00:00:00Z" },
        "update_delete": "update"
    }]});
    let response = api
        .post("api/offers")
        .json_body(&full)
        .send()
        .await
        .expect("OF24");
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json_value::<Value>().await.expect("json")["import_id"]
        .as_u64()
        .expect("import id");
    api.sandbox.finish_imports();
    let status: OfferImport =
        serde_json::from_value(api.json(&format!("api/offers/imports/{id}")).await).expect("OF02");
    assert_eq!(
        (status.status.as_str(), status.offer_inserted),
        ("COMPLETE", 1)
    );

    let offers = api.offers().await;
    let offer = &offers.offers[0];
    assert_eq!(offer.quantity, 12);
    assert_eq!(offer.price, Some(Decimal::new(4990, 2)), "discount applies");
    let raw = api.json("api/offers").await;
    assert_eq!(raw["offers"][0]["leadtime_to_ship"], 5);
    assert_eq!(raw["offers"][0]["logistic_class"]["code"], "M");
    assert_eq!(
        raw["offers"][0]["product_references"][0]["reference"],
        "9312345678907"
    );

    // A price-only update (with the identifiers OF24 requires) resets everything else, as on
    // Mirakl.
    let partial = json!({ "offers": [{
        "shop_sku": "BC-SKU-1", "product_id": "9312345678907", "product_id_type": "EAN",
        "state_code": "11", "price": 61, "update_delete": "update"
    }]});
    let response = api
        .post("api/offers")
        .json_body(&partial)
        .send()
        .await
        .expect("OF24");
    assert_eq!(response.status(), StatusCode::CREATED);
    api.sandbox.finish_imports();
    let raw = api.json("api/offers").await;
    let offer = &raw["offers"][0];
    assert_eq!(offer["quantity"], 0);
    assert_eq!(offer["price"], json!(61));
    assert!(offer["discount"].is_null());
    assert!(offer["logistic_class"].is_null());
    assert_eq!(offer["inactivity_reasons"], json!(["ZERO_QUANTITY"]));
    assert_eq!(offer["active"], false);

    // OF22 by offer id; unknown id is a 404.
    let offer_id = offer["offer_id"].as_u64().expect("offer id");
    let one = api.json(&format!("api/offers/{offer_id}")).await;
    assert_eq!(one["shop_sku"], "BC-SKU-1");
    let missing = api.get("api/offers/999999").send().await.expect("OF22");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Delete: the OF24 schema requires the same fields for a delete line
    // (mirakl-mmp-seller-openapi.json, OF24 `offers[].required`).
    let delete = json!({ "offers": [{
        "shop_sku": "BC-SKU-1", "product_id": "9312345678907", "product_id_type": "EAN",
        "state_code": "11", "price": 61, "update_delete": "delete"
    }]});
    api.post("api/offers")
        .json_body(&delete)
        .send()
        .await
        .expect("OF24");
    api.sandbox.finish_imports();
    assert_eq!(api.offers().await.total_count, 0);
}

#[tokio::test]
async fn stock_and_price_imports_update_offers_and_report_unknown_skus() {
    let api = Api::start(MiraklConfig::default()).await;
    api.upload(
        "api/offers/imports",
        "sku;product-id;product-id-type;price;quantity;state\nA;111;EAN;10.00;1;11\nB;222;EAN;20.00;2;11\n",
        Some("NORMAL"),
    )
    .await;
    api.sandbox.finish_imports();

    let stock = api
        .upload(
            "api/offers/stock/imports",
            "\"offer-sku\";\"quantity\";\"warehouse-code\";\"update-delete\"\n\
             \"A\";\"7\";\"\";\"\"\n\"B\";\"3\";\"SYD\";\"\"\n\"B\";\"4\";\"MEL\";\"\"\n\"Z\";\"1\";\"\";\"\"\n\"A\";\"-1\";\"\";\"\"\n",
            None,
        )
        .await;
    let stock_id = stock["import_id"]
        .as_str()
        .expect("STO01 import_id is a string")
        .to_owned();
    let price = api
        .upload(
            "api/offers/pricing/imports",
            "\"offer-sku\";\"price\";\"discount-price\";\"discount-start-date\";\"discount-end-date\"\n\
             \"A\";\"12.50\";\"\";\"\";\"\"\n\"B\";\"25\";\"30\";\"\";\"\"\n",
            None,
        )
        .await;
    let price_id = price["import_id"]
        .as_str()
        .expect("PRI01 import_id")
        .to_owned();
    let waiting = api
        .json(&format!("api/offers/stock/imports/{stock_id}/status"))
        .await;
    assert_eq!(waiting["status"], "WAITING");
    api.sandbox.finish_imports();

    let status = api
        .json(&format!("api/offers/stock/imports/{stock_id}/status"))
        .await;
    assert_eq!(status["status"], "COMPLETE");
    assert_eq!(
        (
            status["lines_in_success"].as_u64(),
            status["lines_in_error"].as_u64()
        ),
        (Some(3), Some(2))
    );
    let report = api
        .get(&format!("api/offers/stock/imports/{stock_id}/error_report"))
        .send()
        .await
        .expect("STO03")
        .bytes()
        .await
        .expect("bytes");
    let report = parse_error_report(&report).expect("parses");
    assert_eq!(report.rows.len(), 2);
    assert_eq!(report.rows[0].sku.as_deref(), Some("Z"));

    let offers = api.sandbox.offers();
    let a = offers.iter().find(|o| o.shop_sku == "A").expect("A");
    let b = offers.iter().find(|o| o.shop_sku == "B").expect("B");
    assert_eq!(a.quantity, 7);
    assert_eq!(b.quantity, 7, "warehouse quantities add up");
    assert_eq!(a.price, Decimal::new(1250, 2));
    assert_eq!(
        b.price,
        Decimal::from(20),
        "discount above price rejected the line"
    );

    let prices = api.json("api/offers/pricing/imports").await;
    assert_eq!(prices["data"][0]["import_id"], price_id);
    assert_eq!(prices["data"][0]["lines_in_error"], 1);
}

#[tokio::test]
async fn disabled_stock_imports_are_refused_and_flagged_in_pc01() {
    let api = Api::start(MiraklConfig {
        stock_import_enabled: false,
        ..MiraklConfig::default()
    })
    .await;
    let pc01 = api.json("api/platform/configuration").await;
    assert_eq!(pc01["features"]["offer_stock_import"], false);
    assert_eq!(pc01["features"]["offer_pricing_import"], true);
    let typed: mirakl_api::account::PlatformConfiguration =
        serde_json::from_value(pc01).expect("PC01 decodes");
    assert_eq!(
        typed.features.operator_csv_delimiter.as_deref(),
        Some("SEMICOLON")
    );
    let form = Form::new().part(
        "file",
        Part::bytes(b"offer-sku;quantity\nA;1\n".to_vec()).file_name("s.csv"),
    );
    let response = api
        .post("api/offers/stock/imports")
        .multipart(form)
        .send()
        .await
        .expect("STO01");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn offer_export_completes_asynchronously_with_file_urls() {
    let api = Api::start(slow_imports()).await;
    api.sandbox
        .seed_offers((1..=10_005).map(|i| sync_sandbox::mirakl::OfferSeed {
            shop_sku: format!("S-{i:05}"),
            ean: None,
            title: format!("Item {i}"),
            price: Decimal::from(i),
            quantity: i,
        }));
    let response = api
        .post("api/offers/export/async")
        // items_per_chunk: the spec's minimum is 10000 (mirakl-mmp-seller-openapi.json, OF52).
        .json_body(&json!({ "export_type": "application/json", "items_per_chunk": 10_000 }))
        .send()
        .await
        .expect("OF52");
    assert_eq!(response.status(), StatusCode::OK);
    let tracking = response.json_value::<Value>().await.expect("json")["tracking_id"]
        .as_str()
        .expect("tracking id")
        .to_owned();
    let pending = api
        .json(&format!("api/offers/export/async/status/{tracking}"))
        .await;
    assert_eq!(pending["status"], "PENDING");
    api.sandbox.finish_imports();
    let done = api
        .json(&format!("api/offers/export/async/status/{tracking}"))
        .await;
    assert_eq!(done["status"], "COMPLETED");
    let urls: Vec<String> = done["urls"]
        .as_array()
        .expect("urls")
        .iter()
        .map(|u| u.as_str().expect("url").to_owned())
        .collect();
    assert_eq!(urls.len(), 2, "10 005 offers in chunks of 10 000");
    let mut skus = Vec::new();
    for url in urls {
        assert!(url.starts_with(api.sandbox.base_url().as_str()));
        let chunk: Vec<Value> = api
            .http
            .get(&url)
            .header("Authorization", api.sandbox.api_key())
            .send()
            .await
            .expect("OF54")
            .json_value()
            .await
            .expect("json chunk");
        skus.extend(
            chunk
                .iter()
                .map(|o| o["shop_sku"].as_str().expect("sku").to_owned()),
        );
    }
    let expected: Vec<String> = (1..=10_005).map(|i| format!("S-{i:05}")).collect();
    assert_eq!(skus, expected);
}

#[tokio::test]
async fn reference_data_decodes_with_the_client_models() {
    let api = Api::start(MiraklConfig::default()).await;
    let carriers: mirakl_api::shipping::CarrierList =
        serde_json::from_value(api.json("api/shipping/carriers").await).expect("SH21");
    assert!(!carriers.carriers.is_empty());
    let classes: mirakl_api::shipping::LogisticClassList =
        serde_json::from_value(api.json("api/shipping/logistic_classes").await).expect("SH31");
    assert!(!classes.logistic_classes.is_empty());
    let hierarchies: mirakl_api::products::HierarchyList =
        serde_json::from_value(api.json("api/hierarchies?hierarchy=10").await).expect("H11");
    assert_eq!(hierarchies.hierarchies.len(), 4);
    let _: mirakl_api::products::AttributeList =
        serde_json::from_value(api.json("api/products/attributes").await).expect("PM11");
    let lists: mirakl_api::products::ValueListList =
        serde_json::from_value(api.json("api/values_lists?code=sizes").await).expect("VL11");
    assert_eq!(lists.values_lists.len(), 1);
    let account: mirakl_api::account::Shop =
        serde_json::from_value(api.json("api/account").await).expect("A01");
    assert_eq!(account.shop_id, api.sandbox.shop_id());
    let fields: mirakl_api::account::AdditionalFieldList =
        serde_json::from_value(api.json("api/additional_fields?entities=OFFER").await)
            .expect("AF01");
    assert_eq!(fields.additional_fields.len(), 1);
}

#[tokio::test]
async fn product_import_accepts_rows_on_leaf_categories() {
    let api = Api::start(MiraklConfig::default()).await;
    let created = api
        .upload(
            "api/products/imports",
            "shop-sku;title;category;ean\nP-1;Linen sheet;2020;9300000000019\nP-2;No category;;\nP-3;Parent category;20;\n",
            None,
        )
        .await;
    let id = created["import_id"].as_u64().expect("P41 import id");
    api.sandbox.finish_imports();
    let status = api.json(&format!("api/products/imports/{id}")).await;
    assert_eq!(status["import_status"], "COMPLETE");
    assert_eq!(status["transform_lines_in_success"], 1);
    assert_eq!(status["transform_lines_in_error"], 2);
    let report = api
        .get(&format!("api/products/imports/{id}/error_report"))
        .send()
        .await
        .expect("P44")
        .text()
        .await
        .expect("text");
    assert!(report.contains("Category unknown"), "{report}");
    let list = api.json("api/products/imports").await;
    assert_eq!(list["total_count"], 1);
    // The imported product can now carry an offer by its EAN.
    let offer = json!({ "offers": [{ "shop_sku": "P-1", "product_id": "9300000000019", "product_id_type": "EAN",
                                      "state_code": "11", "price": 89, "quantity": 4, "update_delete": "update" }]});
    api.post("api/offers")
        .json_body(&offer)
        .send()
        .await
        .expect("OF24");
    api.sandbox.finish_imports();
    let raw = api.json("api/offers").await;
    assert_eq!(raw["offers"][0]["category_code"], "2020");
    assert_eq!(raw["offers"][0]["product_title"], "Linen sheet");
}

#[tokio::test]
async fn wrong_key_is_401_with_mirakl_body_and_foreign_shop_is_403() {
    let api = Api::start(MiraklConfig::default()).await;
    for key in ["wrong-key", ""] {
        let response = api
            .http
            .get(api.url("api/offers"))
            .header("Authorization", key)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json_value().await.expect("json");
        assert_eq!(body, json!({ "status": 401, "message": "Unauthorized" }));
    }
    let no_header = api
        .http
        .get(api.url("api/orders"))
        .send()
        .await
        .expect("send");
    assert_eq!(no_header.status(), StatusCode::UNAUTHORIZED);
    let own = api
        .get(&format!("api/offers?shop_id={}", api.sandbox.shop_id()))
        .send()
        .await
        .expect("send");
    assert_eq!(own.status(), StatusCode::OK);
    let foreign = api.get("api/offers?shop_id=1").send().await.expect("send");
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    // The key never shows up in the request log's Debug output... nor in errors.
    assert!(!format!("{:?}", api.sandbox).contains(api.sandbox.api_key()));
}

#[tokio::test]
async fn call_ceiling_answers_429_with_retry_after_until_the_window_passes() {
    let config =
        MiraklConfig::default().with_ceiling("OF24", Ceiling::new(1, Duration::from_secs(60)));
    let api = Api::start(config).await;
    let body = json!({ "offers": [{ "shop_sku": "A", "product_id": "1", "product_id_type": "EAN",
                                     "state_code": "11", "price": 1, "update_delete": "update" }]});
    let first = api
        .post("api/offers")
        .json_body(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(first.status(), StatusCode::CREATED);
    let second = api
        .post("api/offers")
        .json_body(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = second
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!((59..=60).contains(&retry), "{retry}");
    let body_429: Value = second.json_value().await.expect("json");
    assert_eq!(body_429["status"], 429);
    // Other operations are not limited.
    assert_eq!(
        api.get("api/offers").send().await.expect("send").status(),
        StatusCode::OK
    );
    api.sandbox.advance_clock(Duration::from_secs(60));
    let third = api
        .post("api/offers")
        .json_body(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(third.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn published_ceilings_on_a_fast_clock_give_short_retry_after() {
    let config = MiraklConfig {
        clock_scale: 60,
        ..MiraklConfig::default()
    }
    .with_published_ceilings();
    let api = Api::start(config).await;
    assert_eq!(
        api.get("api/orders").send().await.expect("send").status(),
        StatusCode::OK
    );
    let limited = api.get("api/orders").send().await.expect("send");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1"),
        "one sandbox minute is one real second at scale 60"
    );
}

#[tokio::test]
async fn a_duplicate_import_request_returns_the_pending_import_id() {
    let api = Api::start(slow_imports()).await;
    let body = json!({ "offers": [{ "shop_sku": "D-1", "product_id": "1", "product_id_type": "EAN",
                                     "state_code": "11", "price": 3, "update_delete": "update" }]});
    let send = || async {
        let response = api
            .post("api/offers")
            .json_body(&body)
            .send()
            .await
            .expect("OF24");
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json_value::<Value>().await.expect("json")["import_id"]
            .as_u64()
            .expect("id")
    };
    let first = send().await;
    assert_eq!(
        send().await,
        first,
        "same request while pending: same import"
    );
    api.sandbox.finish_imports();
    assert_ne!(send().await, first, "once processed, a new import");
}

/// OF54 JSON items carry `prices[]` as the seller OpenAPI names them (`origin_price`,
/// `discount_price`, `volume_prices`, `context`; no OF21 `unit_origin_price`/`channel_code` at
/// the price level): specs/mirakl/mirakl-mmp-seller-openapi.json, OF54 200 `prices` items.
/// A full export (no `last_request_date`) is allowed once a day on top of OF52's minute
/// ceiling (same file, OF52 "Call Frequency"); a differential one stays allowed.
#[tokio::test]
async fn export_items_have_the_spec_price_shape_and_full_exports_are_daily() {
    let api = Api::start(
        MiraklConfig {
            import_wait: Duration::ZERO,
            import_run: Duration::ZERO,
            ..MiraklConfig::default()
        }
        .with_ceiling(
            sync_sandbox::mirakl::OF52_FULL,
            Ceiling::new(1, Duration::from_secs(86_400)),
        ),
    )
    .await;
    api.sandbox.seed_offers([
        sync_sandbox::mirakl::OfferSeed {
            shop_sku: "A".into(),
            ean: None,
            title: "A".into(),
            price: Decimal::new(1250, 2),
            quantity: 3,
        },
        sync_sandbox::mirakl::OfferSeed {
            shop_sku: "Z".into(),
            ean: None,
            title: "Zero".into(),
            price: Decimal::new(5, 0),
            quantity: 0,
        },
    ]);
    let export = |body: Value| {
        let api = &api;
        async move {
            let response = api
                .post("api/offers/export/async")
                .json_body(&body)
                .send()
                .await
                .expect("OF52");
            (
                response.status(),
                response.headers().get("Retry-After").cloned(),
            )
        }
    };
    let client = mirakl_api::Client::builder(api.sandbox.base_url().as_str())
        .api_key(api.sandbox.api_key())
        .without_limiter()
        .build()
        .expect("client builds");
    let request = mirakl_api::offers::OfferExportRequest {
        include_inactive_offers: Some(true),
        ..Default::default()
    };
    let offers = client
        .offers()
        .export_json(
            &request,
            mirakl_api::imports::WaitOptions::new(Duration::from_millis(20), 50),
        )
        .await
        .expect("full export");
    assert_eq!(
        offers.len(),
        2,
        "the inactive (zero) offer included on request"
    );
    let a = offers
        .iter()
        .find(|o| o.shop_sku.as_ref().map(|s| s.as_str()) == Some("A"))
        .expect("A exported");
    let default = a.default_price().expect("a default price");
    assert_eq!(default.origin_price, Some(Decimal::new(1250, 2)));
    assert_eq!(default.volume_prices[0].quantity_threshold, 1);
    assert_eq!(
        default.volume_prices[0].unit_origin_price,
        Some(Decimal::new(1250, 2))
    );

    // the raw chunk: only the spec's price fields, money as numbers
    let tracking = {
        api.sandbox.advance_clock(Duration::from_secs(61));
        let response = api
            .post("api/offers/export/async")
            .json_body(&json!({ "export_type": "application/json", "last_request_date": "2000-01-01T00:00:00Z" }))
            .send()
            .await
            .expect("OF52 differential");
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "a differential export is not daily"
        );
        response.json_value::<Value>().await.expect("json")["tracking_id"]
            .as_str()
            .expect("tracking id")
            .to_owned()
    };
    api.sandbox.finish_imports();
    let done = api
        .json(&format!("api/offers/export/async/status/{tracking}"))
        .await;
    let url = done["urls"][0].as_str().expect("url");
    let chunk: Vec<Value> = api
        .http
        .get(url)
        .header("Authorization", api.sandbox.api_key())
        .send()
        .await
        .expect("OF54")
        .json_value()
        .await
        .expect("chunk");
    let spec_price_fields = [
        "context",
        "discount_end_date",
        "discount_price",
        "discount_start_date",
        "origin_price",
        "volume_prices",
    ];
    for item in &chunk {
        for price in item["prices"].as_array().expect("prices") {
            for key in price.as_object().expect("object").keys() {
                assert!(
                    spec_price_fields.contains(&key.as_str()),
                    "`{key}` is not an OF54 price field: {price}"
                );
            }
            assert!(price["origin_price"].is_number(), "{price}");
        }
    }

    // a second full export on the same day: 429 with a Retry-After of about a day
    api.sandbox.advance_clock(Duration::from_secs(61));
    let (status, retry) = export(json!({ "export_type": "application/json" })).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = retry
        .expect("Retry-After")
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!(retry > 80_000, "retry after {retry} s");
}

/// OF01 per the spec's CSV format (`POST /api/offers/imports`,
/// specs/mirakl/mirakl-mmp-seller-openapi.json): a file without the `sku` column fails as a
/// whole (OF02 `FAILED` with a reason, nothing applied); a column that is not an offer field
/// carries an offer additional field, as `offer_additional_fields` does in OF24.
#[tokio::test]
async fn offer_file_needs_a_sku_column_and_carries_additional_fields() {
    let api = Api::start(MiraklConfig::default()).await;
    let created = api
        .upload(
            "api/offers/imports",
            "product-id;product-id-type;price;quantity;state\n111;EAN;1.00;1;11\n",
            Some("NORMAL"),
        )
        .await;
    api.sandbox.finish_imports();
    let status = api
        .json(&format!("api/offers/imports/{}", created["import_id"]))
        .await;
    assert_eq!(status["status"], "FAILED", "{status}");
    assert!(
        status["reason_status"]
            .as_str()
            .is_some_and(|r| r.contains("sku")),
        "{status}"
    );
    assert_eq!(api.offers().await.total_count, 0);

    let created = api
        .upload(
            "api/offers/imports",
            "\"sku\";\"product-id\";\"product-id-type\";\"price\";\"quantity\";\"state\";\"warranty\"\n\
             \"A\";\"A\";\"SHOP_SKU\";\"1.00\";\"4\";\"11\";\"12\"\n\
             \"B\";\"B\";\"SHOP_SKU\";\"2.00\";\"5\";\"11\";\"\"\n",
            Some("NORMAL"),
        )
        .await;
    api.sandbox.finish_imports();
    let status = api
        .json(&format!("api/offers/imports/{}", created["import_id"]))
        .await;
    assert_eq!(status["status"], "COMPLETE", "{status}");
    assert_eq!(status["lines_in_success"], 2, "{status}");
    let offers = api.json("api/offers?max=100").await;
    let fields = |sku: &str| -> Value {
        offers["offers"]
            .as_array()
            .expect("offers")
            .iter()
            .find(|o| o["shop_sku"] == sku)
            .map(|o| o["offer_additional_fields"].clone())
            .expect("offer")
    };
    assert_eq!(fields("A")[0]["code"], "warranty", "{offers}");
    assert_eq!(fields("A")[0]["value"], "12", "{offers}");
    assert_eq!(fields("B"), json!([]), "{offers}");
}

//! The Mirakl stand-in's operator catalog and P41 product imports, driven through the real
//! `mirakl-api` client: H11/PM11/VL11 decoding, P41 → P42 → P44 with one kind of mistake per
//! line, P51, and offers (OF24, OF01) that need an imported product when the catalog is
//! closed. Shapes are those of `specs/mirakl/mirakl-mmp-seller-openapi.json` (H11 `hierarchies`,
//! PM11 `attributes`, VL11 `values_lists`, P42 `import_status` and `transform_lines_*`).

use std::time::Duration;

use mirakl_api::client::{OfferImportFile, ProductImportFile};
use mirakl_api::imports::{ImportMode, ImportStatus, WaitOptions};
use mirakl_api::offers::OfferUpdate;
use mirakl_api::{Client, Error, ShopSku};
use rust_decimal::Decimal;
use sync_sandbox::mirakl::{
    AttributeKind, AttributeRole, CatalogAttribute, Category, MiraklConfig, MiraklSandbox,
    OperatorCatalog, ValueList,
};

const HOUR: Duration = Duration::from_secs(3600);

fn client(sandbox: &MiraklSandbox) -> Client {
    Client::builder(sandbox.base_url().as_str())
        .api_key(sandbox.api_key())
        .without_limiter()
        .build()
        .expect("client builds")
}

fn quick_polls() -> WaitOptions {
    WaitOptions::new(Duration::from_millis(10), 20)
}

fn slow_imports() -> MiraklConfig {
    MiraklConfig {
        import_wait: HOUR,
        import_run: HOUR,
        ..MiraklConfig::default()
    }
}

const HEADER: &str = "shop-sku;category;title;brand;description;ean;image-1;gender;colour;size;weight-kg;variant-group-code";

/// One good line per product, then one line per kind of mistake. Line numbers count the
/// header as line 1.
fn product_file() -> String {
    let lines = [
        // 2: good, every recommended attribute filled.
        "TEE-BLK-M;1010;Organic tee;Acme;Soft tee;9300000000019;https://cdn.example.com/tee-m.jpg;WOMENS;BLACK;M;0.2;TEE",
        // 3: good, same variant group, another size.
        "TEE-BLK-L;1010;Organic tee;Acme;Soft tee;9300000000026;https://cdn.example.com/tee-l.jpg;WOMENS;BLACK;L;0.2;TEE",
        // 4: good with warnings only (no brand, description, EAN, image).
        "SHEET-Q;2020;Queen sheet set;;;;;;;;1.5;",
        // 5: unknown category.
        "X-CAT;4040;Mystery;Acme;d;;https://cdn.example.com/x.jpg;;;;;",
        // 6: a parent category, not a leaf.
        "X-LEAF;10;Parent only;Acme;d;;https://cdn.example.com/x.jpg;WOMENS;BLACK;M;;",
        // 7: required attributes missing (title, size).
        "X-REQ;1010;;Acme;d;;https://cdn.example.com/x.jpg;WOMENS;BLACK;;;",
        // 8: value not in its list (label instead of code).
        "X-LIST;1010;Tee;Acme;d;;https://cdn.example.com/x.jpg;WOMENS;Purple;M;;",
        // 9: wrong type for a DECIMAL attribute.
        "X-TYPE;2020;Sheet;Acme;d;;https://cdn.example.com/x.jpg;;;;heavy;",
        // 10: media that is not an absolute http(s) URL.
        "X-MEDIA;2020;Sheet;Acme;d;;images/sheet.jpg;;;;;",
        // 11: the SKU of line 2 again.
        "TEE-BLK-M;1010;Organic tee again;Acme;d;;https://cdn.example.com/x.jpg;WOMENS;BLACK;S;;",
        // 12: an EAN with a wrong check digit.
        "X-GTIN;2020;Sheet;Acme;d;9300000000012;https://cdn.example.com/x.jpg;;;;;",
        // 13: the EAN of line 2 on another product.
        "X-EAN;2020;Sheet;Acme;d;9300000000019;https://cdn.example.com/x.jpg;;;;;",
        // 14: same variant group and variant values as line 2.
        "TEE-BLK-M2;1010;Organic tee;Acme;d;;https://cdn.example.com/x.jpg;WOMENS;BLACK;M;;TEE",
    ];
    format!("{HEADER}\n{}\n", lines.join("\n"))
}

#[tokio::test]
async fn product_import_reports_each_kind_of_bad_line_and_integrates_the_good_ones() {
    let sandbox = MiraklSandbox::start(slow_imports()).await.expect("sandbox");
    let client = client(&sandbox);
    let created = client
        .products()
        .import(ProductImportFile::csv(product_file().into_bytes()))
        .await
        .expect("P41");
    let pending = client
        .products()
        .import_status(created.import_id)
        .await
        .expect("P42");
    assert_eq!(pending.import_status, ImportStatus::Waiting);
    assert!(!pending.has_error_report);
    let early = client.products().error_report(created.import_id).await;
    assert!(
        matches!(early, Err(Error::Api { status: 404, .. })),
        "no P44 before the import is processed: {early:?}"
    );
    assert!(sandbox.integrated_products().is_empty());

    sandbox.advance_clock(HOUR + Duration::from_secs(1));
    let running = client
        .products()
        .import_status(created.import_id)
        .await
        .expect("P42");
    assert_eq!(running.import_status, ImportStatus::Running);

    sandbox.finish_imports();
    let outcome = client
        .products()
        .wait_for_import(created.import_id, quick_polls())
        .await
        .expect("import completes");
    let status = &outcome.status;
    assert_eq!(status.import_status, ImportStatus::Complete);
    assert_eq!(
        (
            status.transform_lines_read,
            status.transform_lines_in_success,
            status.transform_lines_in_error
        ),
        (13, 3, 10)
    );
    assert!(status.transform_lines_with_warning >= 1);
    assert!(status.has_error_report && status.has_new_product_report);
    let details = status.integration_details.as_ref().expect("details");
    assert_eq!(details["products_with_wrong_identifiers"], 1);
    assert_eq!(details["invalid_products"], 9);
    assert_eq!(details["products_successfully_synchronized"], 3);

    let report = outcome.error_report.expect("P44 fetched");
    let mut expected_header: Vec<String> = HEADER.split(';').map(str::to_owned).collect();
    expected_header.extend(["errors".to_owned(), "warnings".to_owned()]);
    assert_eq!(report.headers, expected_header);
    let skus: Vec<&str> = report
        .rows
        .iter()
        .map(|r| r.sku.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        skus,
        [
            "X-CAT",
            "X-LEAF",
            "X-REQ",
            "X-LIST",
            "X-TYPE",
            "X-MEDIA",
            "TEE-BLK-M",
            "X-GTIN",
            "X-EAN",
            "TEE-BLK-M2"
        ]
    );
    let message = |sku: &str| -> String {
        report
            .rows
            .iter()
            .find(|r| r.sku.as_deref() == Some(sku) && r.fields["title"] != "Organic tee")
            .or_else(|| report.rows.iter().find(|r| r.sku.as_deref() == Some(sku)))
            .and_then(|r| r.message.clone())
            .unwrap_or_default()
    };
    let cases = [
        ("X-CAT", "Category unknown: '4040'"),
        ("X-LEAF", "'10' is not a leaf category"),
        ("X-REQ", "The attribute 'title' (Title) is required"),
        ("X-REQ", "The attribute 'size' (Size) is required"),
        (
            "X-LIST",
            "'Purple' of the attribute 'colour' is not in the value list 'colours'",
        ),
        (
            "X-TYPE",
            "'heavy' of the attribute 'weight-kg' is not a valid decimal",
        ),
        (
            "X-MEDIA",
            "media 'images/sheet.jpg' of the attribute 'image-1'",
        ),
        (
            "TEE-BLK-M",
            "appears more than once in the file (first at line 2)",
        ),
        (
            "X-GTIN",
            "'9300000000012' of the attribute 'ean' is not a valid GTIN",
        ),
        (
            "X-EAN",
            "EAN '9300000000019' is already used by the product 'TEE-BLK-M'",
        ),
        (
            "TEE-BLK-M2",
            "variant group 'TEE' has the same variant values",
        ),
    ];
    for (sku, needle) in cases {
        let text = message(sku);
        assert!(text.contains(needle), "{sku}: {needle:?} not in {text:?}");
    }
    // A rejected line keeps its original cells and its warnings.
    let media = report
        .rows
        .iter()
        .find(|r| r.sku.as_deref() == Some("X-MEDIA"))
        .expect("row");
    assert_eq!(media.fields["image-1"], "images/sheet.jpg");
    assert!(media.fields["warnings"].contains("'ean'"), "{media:?}");
    let cat = report
        .rows
        .iter()
        .find(|r| r.sku.as_deref() == Some("X-CAT"))
        .expect("row");
    assert!(
        !cat.fields["errors"].contains("'gender'"),
        "without a category only shared attributes are checked: {cat:?}"
    );

    // The good lines are products now, with their references and attributes.
    let products = sandbox.integrated_products();
    let mut shop_skus: Vec<&str> = products
        .iter()
        .filter_map(|p| p.shop_sku.as_deref())
        .collect();
    shop_skus.sort_unstable();
    assert_eq!(shop_skus, ["SHEET-Q", "TEE-BLK-L", "TEE-BLK-M"]);
    let tee = sandbox
        .catalog_product("EAN", "9300000000019")
        .expect("by EAN");
    assert_eq!(tee.shop_sku.as_deref(), Some("TEE-BLK-M"));
    assert_eq!(tee.title, "Organic tee");
    assert_eq!(
        (tee.category_code.as_str(), tee.category_label.as_str()),
        ("1010", "Womens Clothing")
    );
    assert_eq!(tee.brand.as_deref(), Some("Acme"));
    assert_eq!(tee.attributes["size"], "M");
    assert_eq!(tee.attributes["variant-group-code"], "TEE");
    assert_eq!(tee.import_id, Some(created.import_id));

    // P51 lists the import with the same counters.
    let page = client.products().imports().send().await.expect("P51");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].import_id, created.import_id);
    assert_eq!(page.items[0].transform_lines_in_error, 10);
}

#[tokio::test]
async fn reimporting_a_product_updates_it_and_unreadable_files_fail() {
    let sandbox = MiraklSandbox::start(MiraklConfig::default())
        .await
        .expect("sandbox");
    let client = client(&sandbox);
    let first = "shop-sku;category;title;ean\nLAMP-1;9010;Desk lamp;9300000000019\n";
    let id = client
        .products()
        .import(ProductImportFile::csv(first.as_bytes().to_vec()))
        .await
        .expect("P41")
        .import_id;
    sandbox.finish_imports();
    let done = client
        .products()
        .wait_for_import(id, quick_polls())
        .await
        .expect("done");
    assert!(done.error_report.is_none());
    let before = sandbox
        .catalog_product("SHOP_SKU", "LAMP-1")
        .expect("imported");

    let second = "shop-sku;category;title;ean\nLAMP-1;9010;Desk lamp, brass;9300000000026\n";
    let id2 = client
        .products()
        .import(ProductImportFile::csv(second.as_bytes().to_vec()))
        .await
        .expect("P41")
        .import_id;
    sandbox.finish_imports();
    let done = client
        .products()
        .wait_for_import(id2, quick_polls())
        .await
        .expect("done");
    assert!(
        !done.status.has_new_product_report,
        "an update, not a new product"
    );
    assert_eq!(
        done.status.integration_details.as_ref().expect("details")["products_reimported"],
        1
    );
    let after = sandbox
        .catalog_product("SHOP_SKU", "LAMP-1")
        .expect("still there");
    assert_eq!(after.product_sku, before.product_sku);
    assert_eq!(after.title, "Desk lamp, brass");
    assert!(
        sandbox.catalog_product("EAN", "9300000000019").is_none(),
        "the old EAN no longer names it"
    );
    assert!(sandbox.catalog_product("EAN", "9300000000026").is_some());

    let broken = client
        .products()
        .import(ProductImportFile::csv(
            b"shop-sku;category;title\nLAMP-2;9010;\xff\xfe lamp\n".to_vec(),
        ))
        .await
        .expect("P41")
        .import_id;
    sandbox.finish_imports();
    let failed = client
        .products()
        .wait_for_import(broken, quick_polls())
        .await
        .expect("final");
    assert_eq!(failed.status.import_status, ImportStatus::Failed);
    assert!(failed.status.reason_status.is_some());
}

#[tokio::test]
async fn catalog_structure_decodes_with_the_client_models() {
    let sandbox = MiraklSandbox::start(MiraklConfig::default())
        .await
        .expect("sandbox");
    let client = client(&sandbox);

    let all = client.hierarchies().list().send().await.expect("H11");
    assert_eq!(all.len(), sandbox.operator_catalog().hierarchies.len());
    let shoes = all.iter().find(|h| h.code == "1030").expect("shoes");
    assert_eq!(shoes.level, Some(2));
    assert_eq!(shoes.parent_code.as_deref(), Some("10"));
    assert_eq!(shoes.label.as_deref(), Some("Shoes"));
    let roots = client
        .hierarchies()
        .list()
        .max_level(1)
        .send()
        .await
        .expect("H11");
    assert!(roots.iter().all(|h| h.level == Some(1)));
    assert_eq!(roots.len(), 4);
    let fashion = client
        .hierarchies()
        .list()
        .hierarchy("10")
        .send()
        .await
        .expect("H11");
    let codes: Vec<&str> = fashion.iter().map(|h| h.code.as_str()).collect();
    assert_eq!(codes, ["10", "1010", "1020", "1030"]);
    let leaf = client
        .hierarchies()
        .list()
        .hierarchy("2020")
        .send()
        .await
        .expect("H11");
    let codes: Vec<&str> = leaf.iter().map(|h| h.code.as_str()).collect();
    assert_eq!(codes, ["20", "2020"], "a leaf with its parents");
    let unknown = client.hierarchies().list().hierarchy("nope").send().await;
    assert!(
        matches!(unknown, Err(Error::Api { status: 404, .. })),
        "{unknown:?}"
    );

    let clothing = client
        .attributes()
        .list()
        .hierarchy("1010")
        .send()
        .await
        .expect("PM11");
    let size = clothing.iter().find(|a| a.code == "size").expect("size");
    assert_eq!(size.attribute_type.as_deref(), Some("LIST"));
    assert_eq!(size.type_parameter.as_deref(), Some("sizes"));
    assert_eq!(size.requirement_level.as_deref(), Some("REQUIRED"));
    assert_eq!(size.variant, Some(true));
    assert_eq!(size.hierarchy_code.as_deref(), Some("10"));
    let sku = clothing
        .iter()
        .find(|a| a.code == "shop-sku")
        .expect("shared");
    assert_eq!(sku.hierarchy_code.as_deref(), Some(""));
    assert_eq!(sku.roles[0]["type"], "SHOP_SKU");
    assert!(clothing.iter().all(|a| a.code != "warranty-months"));
    let audio = client
        .attributes()
        .list()
        .hierarchy("3010")
        .send()
        .await
        .expect("PM11");
    assert!(audio.iter().any(|a| a.code == "warranty-months"));
    assert!(audio.iter().all(|a| a.code != "gender"));
    let every = client.attributes().list().send().await.expect("PM11");
    assert_eq!(every.len(), sandbox.operator_catalog().attributes.len());

    let sizes = client
        .value_lists()
        .list(Some("sizes"))
        .await
        .expect("VL11");
    assert_eq!(sizes.len(), 1);
    assert_eq!(sizes[0].code, "sizes");
    assert!(
        sizes[0]
            .values
            .iter()
            .any(|v| v.code == "XL" && v.label.as_deref() == Some("XL"))
    );
    let colours = client.value_lists().list(None).await.expect("VL11");
    let black = colours
        .iter()
        .find(|l| l.code == "colours")
        .and_then(|l| l.values.iter().find(|v| v.code == "BLACK"))
        .expect("BLACK");
    assert_eq!(black.label.as_deref(), Some("Black"));
}

fn furniture_catalog() -> OperatorCatalog {
    OperatorCatalog {
        hierarchies: vec![
            Category::root("FURN", "Furniture"),
            Category::child("FURN-CHAIR", "Chairs", "FURN"),
        ],
        attributes: vec![
            CatalogAttribute::new("sku", "Seller SKU", AttributeKind::Text)
                .required()
                .role(AttributeRole::ShopSku),
            CatalogAttribute::new("cat", "Category", AttributeKind::Text)
                .required()
                .role(AttributeRole::Category),
            CatalogAttribute::new("name", "Name", AttributeKind::Text)
                .required()
                .role(AttributeRole::Title),
            CatalogAttribute::new("seats", "Seats", AttributeKind::Integer)
                .required()
                .in_hierarchy("FURN-CHAIR"),
            CatalogAttribute::new("finish", "Finish", AttributeKind::List("finishes".into()))
                .in_hierarchy("FURN"),
            CatalogAttribute::new(
                "tags",
                "Tags",
                AttributeKind::Other("MULTIPLE_VALUES".into()),
            ),
        ],
        value_lists: vec![ValueList::new(
            "finishes",
            "Finishes",
            &[("OAK", "Oak"), ("WALNUT", "Walnut")],
        )],
    }
}

#[tokio::test]
async fn a_custom_operator_catalog_is_served_and_enforced() {
    let sandbox = MiraklSandbox::start(MiraklConfig::default())
        .await
        .expect("sandbox");
    let client = client(&sandbox);
    sandbox.set_operator_catalog(furniture_catalog());
    assert_eq!(sandbox.operator_catalog(), furniture_catalog());

    let tree = client.hierarchies().list().send().await.expect("H11");
    let codes: Vec<&str> = tree.iter().map(|h| h.code.as_str()).collect();
    assert_eq!(codes, ["FURN", "FURN-CHAIR"]);
    let attributes = client.attributes().list().send().await.expect("PM11");
    let tags = attributes.iter().find(|a| a.code == "tags").expect("tags");
    assert_eq!(tags.attribute_type.as_deref(), Some("MULTIPLE_VALUES"));
    let seats = attributes
        .iter()
        .find(|a| a.code == "seats")
        .expect("seats");
    assert_eq!(seats.attribute_type.as_deref(), Some("INTEGER"));
    assert_eq!(seats.hierarchy_code.as_deref(), Some("FURN-CHAIR"));
    let lists = client.value_lists().list(None).await.expect("VL11");
    assert_eq!(lists.len(), 1);

    let file = "sku;cat;name;seats;finish;tags\n\
                CH-1;FURN-CHAIR;Oak chair;1;OAK;a|b\n\
                CH-2;FURN-CHAIR;Bench;two;WALNUT;\n\
                CH-3;FURN-CHAIR;Pine chair;1;PINE;\n\
                CH-4;1010;Tee;;;\n";
    let id = client
        .products()
        .import(ProductImportFile::csv(file.as_bytes().to_vec()))
        .await
        .expect("P41")
        .import_id;
    sandbox.finish_imports();
    let outcome = client
        .products()
        .wait_for_import(id, quick_polls())
        .await
        .expect("done");
    assert_eq!(outcome.status.transform_lines_in_success, 1);
    let report = outcome.error_report.expect("report");
    let by_sku = |sku: &str| {
        report
            .rows
            .iter()
            .find(|r| r.fields["sku"] == sku)
            .and_then(|r| r.message.clone())
            .unwrap_or_default()
    };
    assert!(by_sku("CH-2").contains("'two' of the attribute 'seats' is not a valid integer"));
    assert!(by_sku("CH-3").contains("not in the value list 'finishes'"));
    assert!(
        by_sku("CH-4").contains("Category unknown: '1010'"),
        "the default catalog no longer applies"
    );
    let chair = sandbox
        .catalog_product("SHOP_SKU", "CH-1")
        .expect("imported");
    assert_eq!(chair.title, "Oak chair");
    assert_eq!(chair.category_label, "Chairs");
    assert_eq!(chair.attributes["tags"], "a|b");
}

#[tokio::test]
async fn offers_need_an_imported_product_when_the_catalog_is_closed() {
    let sandbox = MiraklSandbox::start(MiraklConfig {
        open_catalog: false,
        ..MiraklConfig::default()
    })
    .await
    .expect("sandbox");
    let client = client(&sandbox);
    let sku = |s: &str| ShopSku::new(s).expect("sku");
    let offer = |shop_sku: &str, id: &str, kind: &str| {
        let mut o = OfferUpdate::new(sku(shop_sku), Decimal::new(4990, 2), 7, "11");
        o.product_id = Some(id.into());
        o.product_id_type = Some(kind.into());
        o
    };

    // Before any import: both offers are refused.
    let before = client
        .offers()
        .upsert(vec![
            offer("MUG-1", "MUG-1", "SHOP_SKU"),
            offer("MUG-2", "9300000000026", "EAN"),
        ])
        .await
        .expect("OF24");
    sandbox.finish_imports();
    let refused = client
        .offers()
        .wait_for_import(before.import_id, quick_polls())
        .await
        .expect("OF24 done");
    assert_eq!(refused.status.lines_in_error, 2);
    let report = refused.error_report.expect("OF03");
    assert!(
        report
            .rows
            .iter()
            .all(|r| r.message.as_deref() == Some("The product does not exist")),
        "{report:?}"
    );
    assert!(sandbox.offers().is_empty());

    let file = "shop-sku;category;title;brand;ean\n\
                MUG-1;2010;Stoneware mug;Acme;9300000000019\n\
                MUG-2;2010;Glass mug;Acme;9300000000026\n";
    let id = client
        .products()
        .import(ProductImportFile::csv(file.as_bytes().to_vec()))
        .await
        .expect("P41")
        .import_id;
    sandbox.finish_imports();
    let imported = client
        .products()
        .wait_for_import(id, quick_polls())
        .await
        .expect("P41 done");
    assert_eq!(imported.status.transform_lines_in_success, 2);

    // OF24 by shop SKU, OF01 by EAN: both accepted; an unknown product still refused.
    let upsert = client
        .offers()
        .upsert(vec![
            offer("MUG-1", "MUG-1", "SHOP_SKU"),
            offer("GHOST-1", "GHOST-1", "SHOP_SKU"),
        ])
        .await
        .expect("OF24");
    let csv = "sku;product-id;product-id-type;price;quantity;state\n\
               MUG-2;9300000000026;EAN;24.50;3;11\n\
               GHOST-2;9399999999994;EAN;24.50;3;11\n";
    let file = client
        .offers()
        .import_file(OfferImportFile::csv(
            csv.as_bytes().to_vec(),
            ImportMode::Normal,
        ))
        .await
        .expect("OF01");
    sandbox.finish_imports();
    for (import_id, ghost) in [(upsert.import_id, "GHOST-1"), (file.import_id, "GHOST-2")] {
        let done = client
            .offers()
            .wait_for_import(import_id, quick_polls())
            .await
            .expect("offers done");
        assert_eq!(
            (done.status.lines_in_success, done.status.lines_in_error),
            (1, 1)
        );
        let report = done.error_report.expect("report");
        assert_eq!(report.rows[0].sku.as_deref(), Some(ghost));
    }
    let mug1 = sandbox.offer("MUG-1").expect("offer");
    let mug2 = sandbox.offer("MUG-2").expect("offer");
    let product = |shop_sku: &str| {
        sandbox
            .catalog_product("SHOP_SKU", shop_sku)
            .expect("product")
            .product_sku
    };
    assert_eq!(mug1.product_sku, product("MUG-1"));
    assert_eq!(mug2.product_sku, product("MUG-2"));
    assert_eq!(mug2.price, Decimal::new(2450, 2));
    let listed = client.offers().list().send().await.expect("OF21");
    assert_eq!(listed.total_count, Some(2));

    // A re-imported product shows its new title on its offer.
    let retitle = "shop-sku;category;title;brand;ean\n\
                   MUG-1;2010;Stoneware mug, speckled;Acme;9300000000019\n";
    let id = client
        .products()
        .import(ProductImportFile::csv(retitle.as_bytes().to_vec()))
        .await
        .expect("P41")
        .import_id;
    sandbox.finish_imports();
    client
        .products()
        .wait_for_import(id, quick_polls())
        .await
        .expect("P41 done");
    let listed = client.offers().list().send().await.expect("OF21");
    let mug = listed
        .items
        .iter()
        .find(|o| o.shop_sku.as_str() == "MUG-1")
        .expect("listed");
    assert_eq!(
        mug.product_title.as_deref(),
        Some("Stoneware mug, speckled")
    );
    assert_eq!(mug.product_sku.as_deref(), Some(product("MUG-1").as_str()));
}

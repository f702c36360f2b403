//! CSV files for OF01 / STO01 / PRI01 and parsing of error reports.

use mirakl_api::ShopSku;
use mirakl_api::imports::{
    CsvOptions, PriceLine, StockLine, parse_error_report, write_offers_csv, write_prices_csv,
    write_stock_csv,
};
use mirakl_api::offers::{AdditionalFieldInput, DiscountUpdate, OfferUpdate, PriceRange};

fn sku(s: &str) -> ShopSku {
    ShopSku::new(s).unwrap()
}

fn text(b: Vec<u8>) -> String {
    String::from_utf8(b).unwrap()
}

#[test]
fn stock_csv_is_semicolon_quoted_and_grouped() {
    let lines = [
        StockLine {
            warehouse_code: Some("SYD".into()),
            ..StockLine::new(sku("A"), 3)
        },
        StockLine::new(sku("B"), 0),
        StockLine {
            warehouse_code: Some("MEL".into()),
            ..StockLine::new(sku("A"), 4)
        },
    ];
    let out = text(write_stock_csv(&lines, &CsvOptions::default()).unwrap());
    assert_eq!(
        out,
        "\"offer-sku\";\"quantity\";\"warehouse-code\"\n\"A\";\"3\";\"SYD\"\n\"A\";\"4\";\"MEL\"\n\"B\";\"0\";\"\"\n"
    );
}

#[test]
fn delimiter_is_overridable() {
    let out = text(
        write_stock_csv(
            &[StockLine::new(sku("A"), 1)],
            &CsvOptions { delimiter: b',' },
        )
        .unwrap(),
    );
    assert_eq!(out, "\"offer-sku\",\"quantity\"\n\"A\",\"1\"\n");
}

#[test]
fn price_csv_with_discount() {
    let mut l = PriceLine::new(sku("Tasse-é"), "19.90".parse().unwrap());
    l.discount_price = Some("14.50".parse().unwrap());
    l.discount_start_date = Some(mirakl_api::datetime::parse("2024-05-01T00:00:00+10:00").unwrap());
    let out = text(write_prices_csv(&[l], &CsvOptions::default()).unwrap());
    assert_eq!(
        out,
        "\"offer-sku\";\"price\";\"discount-price\";\"discount-start-date\";\"discount-end-date\"\n\"Tasse-é\";\"19.90\";\"14.50\";\"2024-04-30T14:00:00Z\";\"\"\n"
    );
}

#[test]
fn offer_csv_has_standard_and_custom_columns_and_escapes() {
    let mut o = OfferUpdate::new(sku("SKU-1"), "59.90".parse().unwrap(), 12, "11");
    o.description = Some("Mug \"large\"; blue".into());
    o.discount = Some(DiscountUpdate {
        price: Some("49.90".parse().unwrap()),
        start_date: None,
        end_date: None,
        ranges: vec![PriceRange {
            price: "45".parse().unwrap(),
            quantity_threshold: 5,
        }],
    });
    o.offer_additional_fields = vec![AdditionalFieldInput {
        code: "ecotax".into(),
        value: "0.5".into(),
    }];
    let bytes = write_offers_csv(&[o], &CsvOptions::default()).unwrap();
    let out = text(bytes.clone());
    let header = out.lines().next().unwrap();
    assert!(header.starts_with("\"sku\";\"product-id\";\"product-id-type\";\"description\""));
    assert!(header.ends_with("\"update-delete\";\"ecotax\""));
    // Read it back with a CSV reader: the description survives quoting.
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(bytes.as_slice());
    let headers = r.headers().unwrap().clone();
    let rec = r.records().next().unwrap().unwrap();
    let get = |name: &str| {
        rec.get(headers.iter().position(|h| h == name).unwrap())
            .unwrap()
            .to_owned()
    };
    assert_eq!(get("description"), "Mug \"large\"; blue");
    assert_eq!(get("price"), "59.90");
    assert_eq!(get("quantity"), "12");
    assert_eq!(get("discount-price"), "49.90");
    assert_eq!(get("discount-ranges"), "5|45");
    assert_eq!(get("update-delete"), "update");
    assert_eq!(get("ecotax"), "0.5");
}

#[test]
fn error_report_comma_bom_and_blank_lines() {
    let r = parse_error_report(
        b"\xEF\xBB\xBFoffer-sku,quantity,line,error\nA,5,2,Unknown offer\n,,,\n",
    )
    .unwrap();
    assert_eq!(r.headers, ["offer-sku", "quantity", "line", "error"]);
    assert_eq!(r.rows.len(), 1);
    assert_eq!(r.rows[0].line, Some(2));
    assert_eq!(r.rows[0].sku.as_deref(), Some("A"));
    assert_eq!(r.rows[0].message.as_deref(), Some("Unknown offer"));
    assert!(parse_error_report(b"").unwrap().rows.is_empty());
}

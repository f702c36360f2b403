//! The status page: plain server-rendered HTML that reloads itself (`<meta http-equiv=
//! refresh>`), readable without JavaScript.

use std::fmt::Write as _;

use time::OffsetDateTime;

use super::Telemetry;
use super::prom::{DEADLINE_NEAR, Snapshot};
use super::wire::Service;
use crate::Connector;
use crate::metrics::human;

/// Seconds between two reloads of the page.
pub(crate) const REFRESH_SECS: u32 = 15;
/// How many SKU problems the page lists.
const PROBLEMS_SHOWN: usize = 200;

/// Escapes text for HTML element content and attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn when(t: OffsetDateTime, now: OffsetDateTime) -> String {
    let secs = (now - t).whole_seconds();
    let ago = match secs {
        s if s < 0 => "just now".to_owned(),
        s if s < 120 => format!("{s} s ago"),
        s if s < 7200 => format!("{} min ago", s / 60),
        s => format!("{} h ago", s / 3600),
    };
    let stamp = t
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!("<time datetime=\"{stamp}\">{ago}</time>")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d232a;max-width:72rem}\
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin-top:1.75rem;border-bottom:1px solid #ccd3da}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #e5e9ee;vertical-align:top}\
th{background:#f3f5f7}.ok{color:#146c2e;font-weight:600}.bad{color:#b3261e;font-weight:600}.warn{color:#8a5300;font-weight:600}\
.badge{display:inline-block;padding:.15rem .6rem;border-radius:1rem;color:#fff}.badge.ok{background:#146c2e}.badge.bad{background:#b3261e}\
pre{margin:.25rem 0;white-space:pre-wrap;font-size:.85rem;background:#f7f7f9;padding:.4rem}.muted{color:#5f6b76}";

/// Renders the whole page.
pub(crate) fn render(
    t: &Telemetry,
    engine: &Connector,
    s: &Snapshot,
    now: OffsetDateTime,
) -> String {
    let health = t.health(now);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"refresh\" content=\"{REFRESH_SECS}\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>Connector status</title><style>{STYLE}</style></head><body>"
    );
    let badge = if health.healthy {
        "<span id=\"health\" class=\"badge ok\">Healthy</span>".to_owned()
    } else {
        "<span id=\"health\" class=\"badge bad\">Needs attention</span>".to_owned()
    };
    let _ = write!(
        h,
        "<h1>BigCommerce ⇄ Mirakl connector {badge}</h1><p class=\"muted\">Updated {} · reloads every {REFRESH_SECS} s · running since {}</p>",
        when(now, now),
        when(t.started(), now),
    );
    if !health.reasons.is_empty() {
        h.push_str("<ul id=\"reasons\">");
        for r in &health.reasons {
            let _ = write!(h, "<li class=\"bad\">{}</li>", esc(r));
        }
        h.push_str("</ul>");
    }

    // connection
    h.push_str("<h2>Connection</h2><table id=\"connection\"><tr><th>Service</th><th>Last call</th><th>Result</th><th>When</th></tr>");
    t.with_wire(|w| {
        for service in [Service::BigCommerce, Service::Mirakl] {
            match w.last.get(&service) {
                Some(c) => {
                    let result = match (c.ok, c.status) {
                        (true, Some(429)) => {
                            "<span class=\"warn\">Answering, rate limited (HTTP 429): the call is retried</span>".to_owned()
                        }
                        (true, Some(st)) => format!("<span class=\"ok\">OK (HTTP {st})</span>"),
                        (false, Some(st)) => format!(
                            "<span class=\"bad\">Failing (HTTP {st}{})</span>",
                            c.error
                                .as_deref()
                                .filter(|e| !e.starts_with("HTTP"))
                                .map(|e| format!(": {}", esc(e)))
                                .unwrap_or_default()
                        ),
                        (_, None) => format!(
                            "<span class=\"bad\">Failing ({})</span>",
                            esc(c.error.as_deref().unwrap_or("no response"))
                        ),
                    };
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td>{}</td><td>{result}</td><td>{}</td></tr>",
                        service.title(),
                        esc(&c.operation),
                        when(c.at, now)
                    );
                }
                None => {
                    let _ = write!(
                        h,
                        "<tr><td>{}</td><td colspan=\"3\" class=\"muted\">no call yet</td></tr>",
                        service.title()
                    );
                }
            }
        }
        if let Some(left) = w.bigcommerce_quota_left {
            let _ = write!(
                h,
                "<tr><td>BigCommerce quota</td><td colspan=\"3\">{left} requests left in this window</td></tr>"
            );
        }
    });
    let store = match &s.store_error {
        Some(e) => format!("<span class=\"bad\">Cannot be read: {}</span>", esc(e)),
        None => format!(
            "<span class=\"ok\">OK</span>, {} unconfirmed call(s)",
            s.in_flight.values().sum::<u64>()
        ),
    };
    let _ = write!(
        h,
        "<tr><td>State store</td><td colspan=\"3\">{store}</td></tr></table>"
    );

    // flows
    h.push_str("<h2>Last sync per flow</h2><table id=\"flows\"><tr><th>Flow</th><th>Expected every</th><th>Last progress</th><th>Status</th></tr>");
    for f in t.flows() {
        let last = f.last_progress.map_or_else(
            || "<span class=\"muted\">not yet</span>".to_owned(),
            |p| when(p, now),
        );
        let status = match (f.stalled(now), &f.last_error) {
            (Some(_), _) => "<span class=\"bad\">Stalled</span>".to_owned(),
            (None, Some(e)) => format!("<span class=\"warn\">Last step failed: {}</span>", esc(e)),
            (None, None) => "<span class=\"ok\">OK</span>".to_owned(),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{} s</td><td>{last}</td><td>{status}</td></tr>",
            esc(f.flow),
            f.every.as_secs()
        );
    }
    h.push_str("</table>");

    // offers
    let pending: usize = s.pending_lines.values().sum();
    let latency = engine.latencies();
    let lat = match (latency.percentile(50.0), latency.percentile(95.0)) {
        (Some(p50), Some(p95)) => format!("p50 {}, p95 {}", human(p50), human(p95)),
        _ => "no sample yet".to_owned(),
    };
    let _ = write!(
        h,
        "<h2>Offers</h2><table id=\"offers\"><tr><td>Lines waiting for their call window</td><td>{pending}</td></tr>\
<tr><td>Products changed, not yet applied on Mirakl</td><td>{}</td></tr>\
<tr><td>Lines applied / rejected</td><td>{} / {}</td></tr>\
<tr><td>Change-to-marketplace latency</td><td>{lat}</td></tr></table>",
        s.pending_products, s.lines_applied, s.lines_rejected
    );

    // problems per SKU
    let (problems, review) = engine.with_counters(|c| {
        (
            c.problems
                .iter()
                .take(PROBLEMS_SHOWN)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>(),
            c.manual_review
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>(),
        )
    });
    let _ = write!(h, "<h2>Problems per SKU ({})</h2>", s.sku_problems);
    if problems.is_empty() {
        h.push_str("<p id=\"problems\" class=\"muted\">No SKU has a problem.</p>");
    } else {
        h.push_str("<table id=\"problems\"><tr><th>SKU</th><th>Reason</th></tr>");
        for (sku, why) in &problems {
            let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(sku), esc(why));
        }
        h.push_str("</table>");
        if s.sku_problems > problems.len() {
            let _ = write!(
                h,
                "<p class=\"muted\">{} more not shown.</p>",
                s.sku_problems - problems.len()
            );
        }
    }

    // orders needing attention
    let mut attention: Vec<(String, String)> = review
        .into_iter()
        .map(|(id, why)| (id, format!("needs manual review: {why}")))
        .collect();
    t.with_wire(|w| {
        for o in w.orders.values().filter(|o| o.state == "SHIPPING") {
            if let Some(d) = o.shipping_deadline {
                if d <= now {
                    attention.push((
                        o.order_id.clone(),
                        format!("shipping deadline passed {}", strip_tags(&when(d, now))),
                    ));
                } else if d - now <= DEADLINE_NEAR {
                    attention.push((
                        o.order_id.clone(),
                        format!(
                            "to ship within {} h (deadline {})",
                            (d - now).whole_hours().max(1),
                            d.format(&time::format_description::well_known::Rfc3339)
                                .unwrap_or_default()
                        ),
                    ));
                }
            }
        }
    });
    // orders waiting for acceptance close to or past the operator's acceptance deadline, and
    // open incidents (both from the messages flow's view of the order poll)
    let care = engine.messages().attention();
    attention.extend(acceptance_rows(&care.deadlines, now));
    let _ = write!(h, "<h2>Orders needing attention ({})</h2>", attention.len());
    if attention.is_empty() {
        h.push_str("<p id=\"orders\" class=\"muted\">No order needs attention.</p>");
    } else {
        h.push_str("<table id=\"orders\"><tr><th>Mirakl order</th><th>Why</th></tr>");
        for (id, why) in &attention {
            let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", esc(id), esc(why));
        }
        h.push_str("</table>");
    }
    let _ = write!(h, "<h2>Open incidents ({})</h2>", care.incidents.len());
    if care.incidents.is_empty() {
        h.push_str("<p id=\"incidents\" class=\"muted\">No open incident.</p>");
    } else {
        h.push_str(
            "<table id=\"incidents\"><tr><th>Mirakl order</th><th>Line</th><th>SKU</th><th>Reason</th></tr>",
        );
        for i in &care.incidents {
            let reason = incident_reason(i);
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"warn\">{}</td></tr>",
                esc(&i.order_id),
                esc(&i.order_line_id),
                esc(&i.sku),
                esc(&reason)
            );
        }
        h.push_str("</table>");
    }
    if s.shipments_unconfirmed > 0 {
        let _ = write!(
            h,
            "<p class=\"warn\">{} shipment(s) sent to Mirakl and not yet confirmed.</p>",
            s.shipments_unconfirmed
        );
    }

    // imports
    h.push_str("<h2>Recent imports</h2>");
    t.with_wire(|w| {
        if w.imports.is_empty() {
            h.push_str("<p id=\"imports\" class=\"muted\">No import yet.</p>");
            return;
        }
        h.push_str("<table id=\"imports\"><tr><th>Operation</th><th>Import</th><th>Started</th><th>Status</th><th>Error report</th></tr>");
        for i in w.imports.iter().rev() {
            let class = if i.has_errors() {
                "bad"
            } else if i.is_final() {
                "ok"
            } else {
                "warn"
            };
            let mut status = esc(&i.status);
            if let Some(n) = i.lines_in_error.filter(|n| *n > 0) {
                let _ = write!(status, ", {n} line(s) in error");
            }
            if let Some(r) = &i.reason {
                let _ = write!(status, " ({})", esc(r));
            }
            let report = if i.error_lines.is_empty() {
                String::new()
            } else {
                format!("<pre>{}</pre>", esc(&i.error_lines.join("\n")))
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{status}</td><td>{report}</td></tr>",
                esc(&i.operation),
                esc(&i.import_id),
                when(i.started, now)
            );
        }
        h.push_str("</table>");
    });
    h.push_str("<p class=\"muted\">Machine-readable: <a href=\"healthz\">/healthz</a> · <a href=\"metrics\">/metrics</a></p></body></html>\n");
    h
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// The "orders needing attention" rows for orders waiting for acceptance near or past their
/// deadline (the shipping ones come from the order poll's view).
fn acceptance_rows(
    deadlines: &[crate::messages::Deadline],
    now: OffsetDateTime,
) -> Vec<(String, String)> {
    deadlines
        .iter()
        .filter(|d| d.kind == crate::messages::DeadlineKind::Acceptance)
        .map(|d| {
            let stamp = d
                .due
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
            let why = if d.past {
                format!("acceptance deadline passed (was {stamp})")
            } else {
                format!(
                    "to accept or refuse within {} min (deadline {stamp})",
                    (d.due - now).whole_minutes().max(1)
                )
            };
            (d.order_id.clone(), why)
        })
        .collect()
}

/// An incident's reason as the page shows it: label and code when both are known.
fn incident_reason(i: &crate::messages::Incident) -> String {
    match (&i.reason_label, &i.reason_code) {
        (Some(label), Some(code)) => format!("{label} ({code})"),
        (Some(label), None) => label.clone(),
        (None, Some(code)) => code.clone(),
        (None, None) => "no reason given".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{Deadline, DeadlineKind, Incident};

    #[test]
    fn acceptance_deadlines_are_rows_and_shipping_ones_are_left_to_the_order_view() {
        let now = time::macros::datetime!(2026-12-04 12:00 UTC);
        let deadline = |id: &str, kind, minutes: i64| Deadline {
            order_id: id.into(),
            kind,
            due: now + time::Duration::minutes(minutes),
            past: minutes <= 0,
        };
        let rows = acceptance_rows(
            &[
                deadline("A", DeadlineKind::Acceptance, -30),
                deadline("B", DeadlineKind::Acceptance, 90),
                deadline("C", DeadlineKind::Shipping, 10),
            ],
            now,
        );
        assert_eq!(
            rows,
            [
                (
                    "A".to_owned(),
                    "acceptance deadline passed (was 2026-12-04T11:30:00Z)".to_owned()
                ),
                (
                    "B".to_owned(),
                    "to accept or refuse within 90 min (deadline 2026-12-04T13:30:00Z)".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn an_incident_reason_shows_label_and_code() {
        let mut i = Incident {
            order_id: "O".into(),
            order_line_id: "O-1".into(),
            sku: "S".into(),
            reason_code: Some("14".into()),
            reason_label: Some("Item damaged".into()),
        };
        assert_eq!(incident_reason(&i), "Item damaged (14)");
        i.reason_label = None;
        assert_eq!(incident_reason(&i), "14");
        i.reason_code = None;
        assert_eq!(incident_reason(&i), "no reason given");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(strip_tags("<time a=\"b\">5 s ago</time>"), "5 s ago");
    }
}

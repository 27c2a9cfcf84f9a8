//! JUnit XML, written with quick-xml: `<testsuites>` with one `<testsuite>` per check and
//! one `<testcase>` per file, mutant, invariant x runbook and target; a failed case carries
//! `<failure message=... type=...>` with the details as text. The shape Azure DevOps
//! (PublishTestResults@2, JUnit), GitHub test reporters and GitLab (`artifacts:reports:junit`)
//! all read.

use super::Outcome;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

fn e<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, String> {
    r.map_err(|e| format!("JUnit XML: {e}"))
}

pub fn xml(o: &Outcome) -> Result<Vec<u8>, String> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    e(w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))))?;
    let total: f64 = o.suites.iter().map(|s| s.seconds).sum();
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "drill check"));
    root.push_attribute(("tests", o.tests.to_string().as_str()));
    root.push_attribute(("failures", o.failures.to_string().as_str()));
    root.push_attribute(("errors", "0"));
    root.push_attribute(("time", format!("{total:.3}").as_str()));
    e(w.write_event(Event::Start(root)))?;
    for s in &o.suites {
        let mut ts = BytesStart::new("testsuite");
        ts.push_attribute(("name", s.name));
        ts.push_attribute(("tests", s.tests.to_string().as_str()));
        ts.push_attribute(("failures", s.failures.to_string().as_str()));
        ts.push_attribute(("errors", "0"));
        ts.push_attribute(("skipped", "0"));
        ts.push_attribute(("time", format!("{:.3}", s.seconds).as_str()));
        e(w.write_event(Event::Start(ts)))?;
        for c in &s.cases {
            let mut tc = BytesStart::new("testcase");
            tc.push_attribute(("classname", c.classname.as_str()));
            tc.push_attribute(("name", c.name.as_str()));
            tc.push_attribute(("time", format!("{:.3}", c.seconds).as_str()));
            if c.ok {
                e(w.write_event(Event::Empty(tc)))?;
                continue;
            }
            e(w.write_event(Event::Start(tc)))?;
            let mut f = BytesStart::new("failure");
            let msg = c.message.clone().unwrap_or_default();
            f.push_attribute(("message", msg.as_str()));
            f.push_attribute(("type", s.name));
            e(w.write_event(Event::Start(f)))?;
            let body = match &c.detail {
                Some(d) => format!("{msg}\n{d}"),
                None => msg.clone(),
            };
            e(w.write_event(Event::Text(BytesText::new(&body))))?;
            e(w.write_event(Event::End(BytesEnd::new("failure"))))?;
            e(w.write_event(Event::End(BytesEnd::new("testcase"))))?;
        }
        e(w.write_event(Event::End(BytesEnd::new("testsuite"))))?;
    }
    e(w.write_event(Event::End(BytesEnd::new("testsuites"))))?;
    let mut out = w.into_inner();
    out.push(b'\n');
    Ok(out)
}

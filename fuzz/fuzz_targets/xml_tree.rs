//! The element tree under every XML parser of aws-login (src/xml.rs).
//!
//! Checked, beyond "no panic":
//! - a document that starts with a DOCTYPE (entity bomb, external entity) is always refused as
//!   `Doctype`, whatever follows it;
//! - every element's span lies in the document and starts with `<` and its qualified name;
//! - every element cut out with `standalone` parses on its own to an element of the same
//!   namespace, name, attributes and children (what the signed SAML Response relies on).
#![no_main]

use aws_login::xml::{self, Element, XmlError};
use libfuzzer_sys::fuzz_target;

const DOCTYPES: [&[u8]; 3] = [
    b"<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
    b"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>",
    b"<!DOCTYPE html>",
];

fuzz_target!(|data: &[u8]| {
    let parsed = xml::parse(data);

    let mut hostile = DOCTYPES[data.len() % DOCTYPES.len()].to_vec();
    hostile.extend_from_slice(data);
    assert_eq!(xml::parse(&hostile).unwrap_err(), XmlError::Doctype, "a DOCTYPE was not refused");

    if let Ok(root) = parsed {
        check(data, &root, &mut Vec::new());
    }
});

fn check<'a>(doc: &[u8], el: &'a Element, ancestors: &mut Vec<&'a Element>) {
    let bytes = doc.get(el.span.clone()).expect("span inside the document");
    assert_eq!(bytes.first(), Some(&b'<'), "span starts at '<'");

    let alone = el.standalone(doc, ancestors);
    let again = xml::parse(&alone).unwrap_or_else(|e| {
        panic!("standalone element does not parse: {e}\n{}", String::from_utf8_lossy(&alone))
    });
    assert_eq!((&again.ns, &again.name), (&el.ns, &el.name), "standalone keeps the name");
    assert_eq!(again.children.len(), el.children.len(), "standalone keeps the children");
    assert_eq!(again.text, el.text, "standalone keeps the text");
    let attrs = |e: &Element| {
        e.attrs.iter().map(|a| (a.ns.clone(), a.name.clone(), a.value.clone())).collect::<Vec<_>>()
    };
    assert_eq!(attrs(&again), attrs(el), "standalone keeps the attributes");

    ancestors.push(el);
    for child in &el.children {
        check(doc, child, ancestors);
    }
    ancestors.pop();
}

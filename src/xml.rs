//! A small namespace-aware element tree over quick-xml, keeping each element's byte span so that
//! a signed element can be cut out of a document unchanged. DOCTYPEs are refused and only the
//! predefined entities are known, so nothing is ever expanded or fetched.

use std::collections::BTreeMap;
use std::ops::Range;

use quick_xml::NsReader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

/// Documents nest far less than this; the cap keeps hostile input from exhausting the stack.
const MAX_DEPTH: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlError {
    /// Not well-formed XML; the detail says where.
    Malformed(String),
    /// A `<!DOCTYPE …>`: SOAP forbids it, and it is how entity bombs and external fetches start.
    Doctype,
    /// Nothing but whitespace.
    Empty,
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            XmlError::Malformed(d) => write!(f, "malformed XML: {d}"),
            XmlError::Doctype => f.write_str("a DOCTYPE declaration, which is never processed"),
            XmlError::Empty => f.write_str("an empty body"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub ns: Option<String>,
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct Element {
    pub ns: Option<String>,
    pub name: String,
    pub attrs: Vec<Attr>,
    /// Namespace declarations written on this element: prefix (`""` for the default) → URI as
    /// written, references unexpanded, which is how quick-xml resolves names against it.
    pub decls: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// Character data directly inside this element, entities resolved.
    pub text: String,
    /// Bytes of the whole element in the source document.
    pub span: Range<usize>,
    /// Length of the qualified name as written (`saml2p:Response` → 15).
    qname_len: usize,
}

impl Element {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.name == name
    }

    pub fn children_named<'a>(&'a self, ns: &'a str, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// An attribute without a namespace (SAML's `Name`, `Value`, `ID` …).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|a| a.ns.is_none() && a.name == name).map(|a| a.value.as_str())
    }

    /// This element's bytes from `doc`, with the namespace declarations it inherits from
    /// `ancestors` (outermost first) written onto its start tag, so it stands alone with the same
    /// meaning — and, under exclusive canonicalization, the same signature.
    pub fn standalone(&self, doc: &[u8], ancestors: &[&Element]) -> Vec<u8> {
        let mut inherited: BTreeMap<&str, &str> = BTreeMap::new();
        for a in ancestors {
            for (p, uri) in &a.decls {
                inherited.insert(p, uri);
            }
        }
        for (p, _) in &self.decls {
            inherited.remove(p.as_str());
        }
        let name_end = self.span.start + 1 + self.qname_len;
        let mut out = Vec::with_capacity(self.span.len() + 64 * inherited.len());
        out.extend_from_slice(&doc[self.span.start..name_end]);
        for (prefix, uri) in inherited {
            // The value as written, so that it resolves to the same namespace (re-escaping it
            // would turn `'` into `&apos;`, another URI to quick-xml). It cannot hold the quote
            // it was written in, so a `"` in it means it was in single quotes.
            let q = if uri.contains('"') { '\'' } else { '"' };
            let colon = if prefix.is_empty() { "" } else { ":" };
            out.extend_from_slice(format!(" xmlns{colon}{prefix}={q}{uri}{q}").as_bytes());
        }
        out.extend_from_slice(&doc[name_end..self.span.end]);
        out
    }
}

/// Parses a whole document and returns its root element.
pub fn parse(doc: &[u8]) -> Result<Element, XmlError> {
    let mut reader = NsReader::from_reader(doc);
    // quick-xml skips a UTF-8 byte-order mark at the start without counting it in its
    // positions; adding it back keeps every span an offset into `doc`.
    let bom = if doc.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let position = |reader: &NsReader<&[u8]>| bom + reader.buffer_position() as usize;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let malformed = |e: &dyn std::fmt::Display| XmlError::Malformed(e.to_string());

    loop {
        let start = position(&reader);
        let (ns, event) = reader.read_resolved_event().map_err(|e| malformed(&e))?;
        let ns = namespace(&ns)?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if root.is_some() {
                    return Err(XmlError::Malformed("content after the root element".into()));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::Malformed(format!("nesting deeper than {MAX_DEPTH}")));
                }
                let el = element(&reader, ns, e, start)?;
                let empty = matches!(event, Event::Empty(_));
                stack.push(el);
                if empty {
                    close(&mut stack, &mut root, position(&reader));
                }
            }
            Event::End(_) => close(&mut stack, &mut root, position(&reader)),
            Event::Text(t) => {
                let text = t.xml_content().map_err(|e| malformed(&e))?;
                push_text(&mut stack, &text)?;
            }
            Event::CData(t) => {
                let text = t.decode().map_err(|e| malformed(&e))?;
                push_text(&mut stack, &text)?;
            }
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref().map_err(|e| malformed(&e))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| malformed(&e))?;
                        resolve_predefined_entity(&name)
                            .ok_or_else(|| XmlError::Malformed(format!("unknown entity &{name};")))?
                            .to_string()
                    }
                };
                push_text(&mut stack, &text)?;
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed("the document ends inside an element".into()));
    }
    root.ok_or(XmlError::Empty)
}

fn element(
    reader: &NsReader<&[u8]>,
    ns: Option<String>,
    e: &BytesStart<'_>,
    start: usize,
) -> Result<Element, XmlError> {
    let malformed = |e: &dyn std::fmt::Display| XmlError::Malformed(e.to_string());
    let mut el = Element {
        ns,
        name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
        attrs: Vec::new(),
        decls: Vec::new(),
        children: Vec::new(),
        text: String::new(),
        span: start..start,
        qname_len: e.name().as_ref().len(),
    };
    for attr in e.attributes() {
        let attr = attr.map_err(|e| malformed(&e))?;
        let key = attr.key.as_ref();
        let value = attr.unescape_value().map_err(|e| malformed(&e))?.into_owned();
        let raw = || String::from_utf8_lossy(&attr.value).into_owned();
        if key == b"xmlns" {
            el.decls.push((String::new(), raw()));
        } else if let Some(prefix) = key.strip_prefix(b"xmlns:") {
            el.decls.push((String::from_utf8_lossy(prefix).into_owned(), raw()));
        } else {
            let (ans, local) = reader.resolve_attribute(attr.key);
            el.attrs.push(Attr {
                ns: namespace(&ans)?,
                name: String::from_utf8_lossy(local.as_ref()).into_owned(),
                value,
            });
        }
    }
    Ok(el)
}

fn namespace(ns: &ResolveResult<'_>) -> Result<Option<String>, XmlError> {
    match ns {
        ResolveResult::Bound(n) => Ok(Some(String::from_utf8_lossy(n.as_ref()).into_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(p) => {
            Err(XmlError::Malformed(format!("undeclared namespace prefix '{}'", String::from_utf8_lossy(p))))
        }
    }
}

fn close(stack: &mut Vec<Element>, root: &mut Option<Element>, end: usize) {
    if let Some(mut el) = stack.pop() {
        el.span.end = end;
        match stack.last_mut() {
            Some(parent) => parent.children.push(el),
            None => *root = Some(el),
        }
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(el) => el.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => return Err(XmlError::Malformed("text outside the root element".into())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_namespaces_text_and_spans() {
        let doc = br#"<?xml version="1.0"?><a:root xmlns:a="urn:a" xmlns="urn:d"><child k="v&amp;w">x &lt; y&#33;<![CDATA[<z>]]></child><a:e/></a:root>"#;
        let root = parse(doc).unwrap();
        assert!(root.is("urn:a", "root"));
        let child = root.child("urn:d", "child").unwrap();
        assert_eq!(child.attr("k"), Some("v&w"));
        assert_eq!(child.text, "x < y!<z>");
        let e = root.child("urn:a", "e").unwrap();
        assert_eq!(&doc[e.span.clone()], b"<a:e/>");
        assert_eq!(root.decls, [("a".into(), "urn:a".into()), ("".into(), "urn:d".into())]);
    }

    #[test]
    fn standalone_carries_inherited_declarations() {
        let doc = br#"<s:E xmlns:s="urn:s" xmlns:p="urn:p"><s:B><p:R xmlns:q="urn:q" ID="1"><s:x/></p:R>
</s:B></s:E>"#;
        let env = parse(doc).unwrap();
        let body = env.child("urn:s", "B").unwrap();
        let r = body.child("urn:p", "R").unwrap();
        let out = r.standalone(doc, &[&env, body]);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            r#"<p:R xmlns:p="urn:p" xmlns:s="urn:s" xmlns:q="urn:q" ID="1"><s:x/></p:R>"#
        );
        // And it parses on its own with the same meaning.
        let alone = parse(&out).unwrap();
        assert!(alone.is("urn:p", "R") && alone.child("urn:s", "x").is_some());
    }

    #[test]
    fn inherited_declarations_are_copied_as_written() {
        // Found by fuzzing: a declaration holding `'` or `&amp;` was re-escaped when copied onto
        // the standalone element, and quick-xml (which resolves the raw value) then read another
        // namespace there.
        let doc = br#"<s:E xmlns:s="urn:a'b&amp;c" xmlns:t='urn:"q"'><s:B><t:C/></s:B></s:E>"#;
        let env = parse(doc).unwrap();
        let b = env.child("urn:a'b&amp;c", "B").unwrap();
        let out = b.standalone(doc, &[&env]);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            r#"<s:B xmlns:s="urn:a'b&amp;c" xmlns:t='urn:"q"'><t:C/></s:B>"#
        );
        let alone = parse(&out).unwrap();
        assert!(alone.is("urn:a'b&amp;c", "B") && alone.child(r#"urn:"q""#, "C").is_some());
    }

    #[test]
    fn spans_count_a_byte_order_mark() {
        // Found by fuzzing: quick-xml skips a UTF-8 BOM without counting it, so every span was
        // three bytes early and an element cut out of such a document began and ended mid-tag.
        let doc = "\u{feff}<?xml version=\"1.0\"?><s:E xmlns:s=\"urn:s\"><s:B ID=\"1\"/></s:E>".as_bytes();
        let root = parse(doc).unwrap();
        assert_eq!(&doc[root.span.clone()], &doc[3 + 21..]);
        let b = root.child("urn:s", "B").unwrap();
        assert_eq!(&doc[b.span.clone()], b"<s:B ID=\"1\"/>");
        assert_eq!(b.standalone(doc, &[&root]), b"<s:B xmlns:s=\"urn:s\" ID=\"1\"/>");
        // Only one BOM is skipped; a second one is text before the root.
        assert!(matches!(parse(&[b"\xEF\xBB\xBF".as_slice(), doc].concat()), Err(XmlError::Malformed(_))));
    }

    #[test]
    fn refuses_doctype_unknown_entities_and_junk() {
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><r>&lol2;</r>"#;
        assert_eq!(parse(bomb).unwrap_err(), XmlError::Doctype);
        let ext = br#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#;
        assert_eq!(parse(ext).unwrap_err(), XmlError::Doctype);
        assert!(matches!(parse(b"<r>&x;</r>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse(b"<r><a></r>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse(b"<r>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse(b"<p:r/>"), Err(XmlError::Malformed(_))));
        assert_eq!(parse(b"  \n").unwrap_err(), XmlError::Empty);
        let deep = "<a>".repeat(1000);
        assert!(matches!(parse(deep.as_bytes()), Err(XmlError::Malformed(_))));
    }
}

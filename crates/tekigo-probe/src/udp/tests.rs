use proptest::prelude::*;

use super::*;

/// Captured on this project's test namespaces: miniupnpd 2.3.1 answering a unicast M-SEARCH,
/// avahi-daemon 0.8 answering the DNS-SD service list (legacy unicast), and libcoap 4.3.1's
/// example coap-server answering GET /.well-known/core.
const SSDP: &[u8] = include_bytes!("../../tests/fixtures/udp/miniupnpd-2.3.1-msearch-rootdevice.bin");
const MDNS: &[u8] = include_bytes!("../../tests/fixtures/udp/avahi-0.8-services-ptr.bin");
const COAP: &[u8] = include_bytes!("../../tests/fixtures/udp/coap-server-4.3.1-well-known-core.bin");

#[test]
fn ssdp_reply_fixture() {
    let reply = parse_ssdp(SSDP).unwrap();
    assert_eq!(reply.status, "HTTP/1.1 200 OK");
    assert!(reply.header("server").unwrap().contains("MiniUPnPd/2.3.1"));
    assert_eq!(reply.header("LOCATION"), Some("http://10.231.9.1:5000/rootDesc.xml"));
    assert_eq!(reply.header("ST"), Some("upnp:rootdevice"));
    let obs = ssdp_observation(1900, b"M-SEARCH", &[SSDP.to_vec(), SSDP.to_vec()]).unwrap();
    assert_eq!(obs.check, "upnp-exposed");
    assert!(obs.detail.en.contains("MiniUPnPd") && obs.detail.ja.contains("rootDesc.xml"));
    assert_eq!(obs.evidence.seen.iter().filter(|s| s.starts_with("ST:")).count(), 1, "deduplicated");
    assert!(parse_ssdp(b"SSH-2.0-x\r\n").is_none());
    assert!(ssdp_observation(1900, b"", &[b"garbage".to_vec()]).is_none());
}

#[test]
fn ssdp_request_names_the_target() {
    let v4 = String::from_utf8(ssdp_request("192.0.2.7".parse().unwrap(), 1900)).unwrap();
    assert!(v4.starts_with("M-SEARCH * HTTP/1.1\r\nHOST: 192.0.2.7:1900\r\n") && v4.ends_with("\r\n\r\n"));
    let v6 = String::from_utf8(ssdp_request("::1".parse().unwrap(), 1900)).unwrap();
    assert!(v6.contains("HOST: [::1]:1900"));
}

#[test]
fn mdns_reply_fixture() {
    let (id, records) = parse_dns(MDNS).unwrap();
    assert_eq!(id, 0x1234);
    assert_eq!(
        records,
        [DnsRecord {
            name: SERVICES_NAME.to_string(),
            rtype: 12,
            data: RData::Ptr("_workstation._tcp.local".to_string())
        }]
    );
    let obs = mdns_observation(5353, &[MDNS.to_vec()]).unwrap();
    assert!(obs.detail.en.contains("_workstation._tcp.local"));
    assert!(mdns_observation(5353, &[mdns_query(1)]).is_none(), "a query is not an answer");
}

#[test]
fn mdns_query_is_a_dns_question() {
    let q = mdns_query(7);
    assert_eq!(&q[..6], &[0, 7, 0, 0, 0, 1]);
    assert_eq!(read_name(&q, 12), Some((SERVICES_NAME.to_string(), q.len() - 4)));
}

#[test]
fn dns_names_with_pointer_loops_are_refused() {
    // Header (response, one answer) then a name that points at itself.
    let mut bytes = vec![0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0];
    bytes.extend_from_slice(&[0xc0, 12]);
    assert!(parse_dns(&bytes).is_none());
}

#[test]
fn coap_reply_fixture() {
    let msg = parse_coap(COAP).unwrap();
    assert_eq!((msg.kind, msg.code), (2, (2, 5)));
    assert_eq!(msg.token, [1, 2, 3, 4]);
    assert_eq!(msg.options, [(12, vec![40])], "Content-Format 40: link-format");
    let links = parse_link_format(std::str::from_utf8(&msg.payload).unwrap());
    let targets: Vec<&str> = links.iter().map(|l| l.target.as_str()).collect();
    assert_eq!(targets, ["/", "/time", "/async", "/example_data"]);
    assert!(links[1].attributes.contains(&("rt".to_string(), Some("ticks".to_string()))));
    assert!(links[1].attributes.contains(&("obs".to_string(), None)));
    let obs = coap_observation(5683, Some(&msg)).unwrap();
    assert!(obs.detail.en.contains("4 resources") && obs.detail.ja.contains("/time"));
}

#[test]
fn our_coap_request_parses() {
    let msg = parse_coap(&coap_request(0x1234)).unwrap();
    assert_eq!((msg.kind, msg.code, msg.message_id), (0, (0, 1), 0x1234));
    assert_eq!(msg.token, COAP_TOKEN);
    assert_eq!(msg.options, [(11, b".well-known".to_vec()), (11, b"core".to_vec())]);
}

#[test]
fn link_format_with_commas_in_quotes() {
    let links = parse_link_format(r#"</a>;title="x, y";ct=0,</b/c>,junk,<"#);
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].attributes[0], ("title".to_string(), Some("x, y".to_string())));
    assert_eq!(links[1].target, "/b/c");
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        let _ = parse_ssdp(&bytes);
        let _ = parse_dns(&bytes);
        let _ = parse_coap(&bytes);
        let _ = parse_link_format(&String::from_utf8_lossy(&bytes));
        let _ = mdns_observation(5353, std::slice::from_ref(&bytes));
    }

    #[test]
    fn mutated_fixtures_never_panic(index in 0usize..400, value in any::<u8>()) {
        for fixture in [SSDP, MDNS, COAP] {
            let mut bytes = fixture.to_vec();
            let i = index % bytes.len();
            bytes[i] = value;
            let _ = parse_ssdp(&bytes);
            let _ = parse_dns(&bytes);
            let _ = parse_coap(&bytes);
        }
    }
}

"""A small authoritative DNS server for tests: TXT answers over UDP, and RFC 2136 UPDATE over
TCP accepted only when signed with the configured TSIG key (RFC 8945). Loopback only."""

from __future__ import annotations

import socketserver
import struct
import threading
from collections import defaultdict
from types import TracebackType

import dns.exception
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsigkeyring


class TxtZone:
    def __init__(self, zone: str, key_name: str, secret: str) -> None:
        self.zone = dns.name.from_text(zone)
        self.keyring = dns.tsigkeyring.from_text({key_name: secret})
        self.records: dict[dns.name.Name, set[str]] = defaultdict(set)
        self.refused = 0
        self.lock = threading.Lock()

    def answer(self, wire: bytes, *, tcp: bool) -> bytes:
        try:
            request = dns.message.from_wire(wire, keyring=self.keyring)
        except dns.exception.DNSException:
            (ident,) = struct.unpack("!H", wire[:2])
            refusal = dns.message.Message(id=ident)
            refusal.flags |= dns.flags.QR
            refusal.set_opcode(dns.opcode.UPDATE)
            refusal.set_rcode(dns.rcode.NOTAUTH)
            with self.lock:
                self.refused += 1
            return refusal.to_wire()
        response = dns.message.make_response(request)
        if request.opcode() == dns.opcode.UPDATE:
            if not tcp or request.keyring is None or not request.had_tsig:
                response.set_rcode(dns.rcode.REFUSED)
                return response.to_wire()
            with self.lock:
                for rrset in request.update:  # type: ignore[attr-defined]
                    values = {b"".join(r.strings).decode() for r in rrset}
                    if rrset.deleting:
                        self.records[rrset.name] -= values
                    else:
                        self.records[rrset.name] |= values
            return response.to_wire()
        question = request.question[0]
        response.flags |= dns.flags.AA
        with self.lock:
            found = sorted(self.records.get(question.name, set()))
        if found and question.rdtype == dns.rdatatype.TXT:
            response.answer.append(
                dns.rrset.from_text_list(question.name, 60, "IN", "TXT", [f'"{v}"' for v in found])
            )
        return response.to_wire()


class DnsServer:
    def __init__(self, zone: TxtZone) -> None:
        self.zone = zone
        served = zone

        class Udp(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data, sock = self.request
                sock.sendto(served.answer(data, tcp=False), self.client_address)

        class Tcp(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                head = self.request.recv(2)
                if len(head) < 2:
                    return
                (length,) = struct.unpack("!H", head)
                wire = b""
                while len(wire) < length:
                    chunk = self.request.recv(length - len(wire))
                    if not chunk:
                        return
                    wire += chunk
                reply = served.answer(wire, tcp=True)
                self.request.sendall(struct.pack("!H", len(reply)) + reply)

        self.udp = socketserver.ThreadingUDPServer(("127.0.0.1", 0), Udp)
        port = self.udp.server_address[1]
        self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), Tcp)
        self.port = port
        self.threads = [
            threading.Thread(target=s.serve_forever, daemon=True) for s in (self.udp, self.tcp)
        ]

    def __enter__(self) -> DnsServer:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for server in (self.udp, self.tcp):
            server.shutdown()
            server.server_close()

package dev.sbx.proxy.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** JDK TLS through a CONNECT tunnel with a chosen SNI (or none) and ALPN offer. */
final class TunnelClient {
  private TunnelClient() {}

  /** Sends CONNECT and returns the socket positioned after the proxy's answer head, and that head. */
  static Socket connect(InetSocketAddress proxy, String authority, StringBuilder answer) throws IOException {
    Socket s = new Socket();
    s.connect(proxy, 5000);
    s.setSoTimeout(5000);
    s.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    InputStream in = s.getInputStream();
    // Read byte by byte so no TLS bytes are consumed with the head.
    while (!answer.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      answer.append((char) b);
    }
    return s;
  }

  static SSLSocket tls(Socket tunnel, Path caPem, String sni, List<String> alpn) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(tunnel, sni == null ? "x" : sni, 443, true);
    SSLParameters p = s.getSSLParameters();
    p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    if (alpn != null) {
      p.setApplicationProtocols(alpn.toArray(String[]::new));
    }
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }
}

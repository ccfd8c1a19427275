#include "protocols/webrtc/dtls/dtls_certificate.h"

#include <doctest/doctest.h>
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>
#include <string>
#include <vector>

#include "protocols/webrtc/dtls/dtls_fingerprint.h"

namespace rtsedge::webrtc {
namespace {

// "sha-256 AB:CD:...": 32 uppercase hex pairs joined by colons, as browsers write them.
// (Checked by hand: std::regex trips GCC 12's -Wmaybe-uninitialized in the ASan build.)
bool isSdpSha256(const std::string& text) {
  const std::string prefix = "sha-256 ";
  if (text.size() != prefix.size() + 32 * 3 - 1 || !text.starts_with(prefix)) {
    return false;
  }
  for (size_t i = prefix.size(); i < text.size(); ++i) {
    bool colon = (i - prefix.size()) % 3 == 2;
    char c = text[i];
    bool hex = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    if (colon ? c != ':' : !hex) {
      return false;
    }
  }
  return true;
}

std::string commonName(X509_NAME* name) {
  char text[256] = {};
  X509_NAME_get_text_by_NID(name, NID_commonName, text, sizeof(text));
  return text;
}

// Seconds from now to `time` (negative: in the past).
long secondsFromNow(const ASN1_TIME* time) {
  int days = 0;
  int seconds = 0;
  REQUIRE(ASN1_TIME_diff(&days, &seconds, nullptr, time) == 1);
  return days * 86400L + seconds;
}

std::string serialOf(X509* certificate) {
  BIGNUM* number = ASN1_INTEGER_to_BN(X509_get_serialNumber(certificate), nullptr);
  REQUIRE(number != nullptr);
  CHECK_FALSE(BN_is_negative(number));
  CHECK_FALSE(BN_is_zero(number));
  char* hex = BN_bn2hex(number);
  std::string text = hex;
  OPENSSL_free(hex);
  BN_free(number);
  return text;
}

TEST_SUITE_BEGIN("dtls");

TEST_CASE("certificate: self-signed ECDSA P-256 for rtsedge, a day back for 30 days, random serial") {
  auto made = DtlsCertificate::generate();
  REQUIRE(made);
  const DtlsCertificate& ours = **made;
  X509* x = ours.certificate();
  REQUIRE(x != nullptr);
  CHECK(X509_get_version(x) == X509_VERSION_3);
  CHECK(commonName(X509_get_subject_name(x)) == "rtsedge");
  CHECK(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0);
  EVP_PKEY* key = X509_get0_pubkey(x);
  REQUIRE(key != nullptr);
  CHECK(EVP_PKEY_is_a(key, "EC"));
  char group[64] = {};
  size_t groupLength = 0;
  CHECK(EVP_PKEY_get_group_name(key, group, sizeof(group), &groupLength) == 1);
  CHECK(std::string(group) == "prime256v1");
  CHECK(X509_verify(x, key) == 1);  // signed by its own key
  CHECK(X509_get_signature_nid(x) == NID_ecdsa_with_SHA256);
  long notBefore = secondsFromNow(X509_get0_notBefore(x));
  long notAfter = secondsFromNow(X509_get0_notAfter(x));
  CHECK(notBefore <= -86400 + 5);
  CHECK(notBefore >= -86400 - 5);
  CHECK(notAfter - notBefore == 30 * 86400);

  auto other = DtlsCertificate::generate();
  REQUIRE(other);
  CHECK(serialOf(x) != serialOf((*other)->certificate()));
  CHECK_FALSE(ours.fingerprint() == (*other)->fingerprint());
}

TEST_CASE("certificate: the SDP fingerprint is the sha-256 of the DER, upper-case hex with colons") {
  auto made = DtlsCertificate::generate();
  REQUIRE(made);
  const DtlsCertificate& ours = **made;
  std::string text = ours.fingerprint().toString();
  CHECK(isSdpSha256(text));
  CHECK_FALSE(isSdpSha256("sha-256 ab:CD"));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  unsigned char* der = nullptr;
  int derLength = i2d_X509(ours.certificate(), &der);
  REQUIRE(derLength > 0);
  REQUIRE(EVP_Digest(der, static_cast<size_t>(derLength), digest, &length, EVP_sha256(), nullptr) == 1);
  OPENSSL_free(der);
  REQUIRE(length == 32);
  CHECK(std::vector<uint8_t>(digest, digest + length) ==
        std::vector<uint8_t>(ours.fingerprint().digest().begin(), ours.fingerprint().digest().end()));
  auto parsed = DtlsFingerprint::parse(text);
  REQUIRE(parsed);
  CHECK(*parsed == ours.fingerprint());
}

TEST_CASE("certificate: the context is a DTLS 1.2 server with the SRTP profiles") {
  auto made = DtlsCertificate::generate();
  REQUIRE(made);
  SSL_CTX* context = (*made)->context().get();
  REQUIRE(context != nullptr);
  CHECK(SSL_CTX_get_min_proto_version(context) == DTLS1_2_VERSION);
  CHECK(SSL_CTX_get_max_proto_version(context) == DTLS1_2_VERSION);
  CHECK(SSL_CTX_get_verify_mode(context) == (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT));
  CHECK((SSL_CTX_get_options(context) & SSL_OP_NO_QUERY_MTU) != 0);
  CHECK(SSL_CTX_get0_certificate(context) == (*made)->certificate());
  SSL* ssl = SSL_new(context);
  REQUIRE(ssl != nullptr);
  STACK_OF(SRTP_PROTECTION_PROFILE)* profiles = SSL_get_srtp_profiles(ssl);
  REQUIRE(profiles != nullptr);
  REQUIRE(sk_SRTP_PROTECTION_PROFILE_num(profiles) == 2);
  CHECK(std::string(sk_SRTP_PROTECTION_PROFILE_value(profiles, 0)->name) == "SRTP_AEAD_AES_128_GCM");
  CHECK(std::string(sk_SRTP_PROTECTION_PROFILE_value(profiles, 1)->name) == "SRTP_AES128_CM_SHA1_80");
  SSL_free(ssl);
}

TEST_CASE("fingerprint: parsing the SDP value") {
  std::string hex256 =
      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
  auto upper = DtlsFingerprint::parse("sha-256 " + hex256);
  REQUIRE(upper);
  CHECK(upper->algorithm() == "sha-256");
  CHECK(upper->digest().size() == 32);
  CHECK(upper->digest()[0] == 0xAB);
  CHECK(upper->toString() == "sha-256 " + hex256);
  CHECK(upper->hex() == hex256);

  std::string lowerHex = hex256;
  for (char& c : lowerHex) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  auto lower = DtlsFingerprint::parse("  SHA-256\t" + lowerHex + " \r\n");
  REQUIRE(lower);
  CHECK(*lower == *upper);

  auto sha1 = DtlsFingerprint::parse("sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33");
  REQUIRE(sha1);
  CHECK(sha1->algorithm() == "sha-1");
  CHECK_FALSE(*sha1 == *upper);
  CHECK(DtlsFingerprint::parse("sha-512 " + hex256 + ":" + hex256));

  for (const std::string& bad : std::vector<std::string>{
           "", "sha-256", "sha-256 ", "md5 " + hex256.substr(0, 47), "sha-257 " + hex256,
           "sha-256 " + hex256.substr(0, 92), "sha-256 " + hex256 + ":", "sha-256 " + hex256 + ":AB", "sha-1 " + hex256,
           "sha-256 " + hex256.substr(0, 94) + "G", "sha-256 ABCD" + hex256.substr(5),
           "sha-256 " + hex256.substr(0, 2) + "-" + hex256.substr(3), "sha-256 A:BC" + hex256.substr(5)}) {
    CAPTURE(bad);
    auto result = DtlsFingerprint::parse(bad);
    CHECK_FALSE(result);
    if (!result) {
      CHECK(result.error().message().find("fingerprint") == 0);
    }
  }
}

TEST_CASE("fingerprint: of a certificate, with each hash") {
  auto made = DtlsCertificate::generate();
  REQUIRE(made);
  X509* x = (*made)->certificate();
  for (auto [name, size] : {std::pair{"sha-1", 20}, std::pair{"sha-224", 28}, std::pair{"SHA-256", 32},
                            std::pair{"sha-384", 48}, std::pair{"sha-512", 64}}) {
    CAPTURE(name);
    auto fingerprint = DtlsFingerprint::of(x, name);
    REQUIRE(fingerprint);
    CHECK(fingerprint->digest().size() == static_cast<size_t>(size));
    auto again = DtlsFingerprint::parse(fingerprint->toString());
    REQUIRE(again);
    CHECK(*again == *fingerprint);
  }
  CHECK_FALSE(DtlsFingerprint::of(x, "md5"));
  CHECK_FALSE(DtlsFingerprint::of(nullptr, "sha-256"));
}

TEST_SUITE_END();

}  // namespace
}  // namespace rtsedge::webrtc

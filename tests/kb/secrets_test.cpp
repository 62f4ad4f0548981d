// Which values are secrets and what of a value is never shown: the rules the
// run plan and history, `deja show` and the site share.
#include <catch2/catch.hpp>

#include "kb/secrets.hpp"

TEST_CASE("a param named like a credential is a secret, declared or not", "[kb][secrets]") {
    CHECK(kb::is_secret_name("API_TOKEN"));
    CHECK(kb::is_secret_name("db_password"));
    CHECK(kb::is_secret_name("AWS_SECRET_ACCESS_KEY"));
    CHECK(kb::is_secret_name("GITHUB_APIKEY"));
    CHECK(kb::is_secret_name("SSH_PRIVATE_KEY"));
    CHECK_FALSE(kb::is_secret_name("DATABASE_URL"));
    CHECK_FALSE(kb::is_secret_name("KEEP_HOURS"));
    kb::Param declared;
    declared.name = "CONNECTION";
    declared.secret = true;
    CHECK(kb::is_secret(declared));
    kb::Param plain;
    plain.name = "HOST";
    CHECK_FALSE(kb::is_secret(plain));
}

TEST_CASE("a URL's password is hidden, the rest of the URL shown", "[kb][secrets]") {
    CHECK(kb::hidden_parts("postgresql://app:s3cr@t-pw@db.internal:5432/app", false) ==
          std::vector<std::string>{"s3cr@t-pw"});
    CHECK(kb::shown_value("postgresql://app:s3cr@t-pw@db.internal:5432/app", false) ==
          "postgresql://app:••••••@db.internal:5432/app");
    CHECK(kb::hidden_parts("postgresql://app@db/app", false).empty());
    CHECK(kb::hidden_parts("redis://:pw1@a:6379 amqp://u:pw2@b/", false) == std::vector<std::string>{"pw1", "pw2"});
    CHECK(kb::shown_value("redis://:pw1@a:6379 amqp://u:pw2@b/", false) == "redis://:••••••@a:6379 amqp://u:••••••@b/");
    CHECK(kb::shown_value("anything at all", true) == "••••••");
    CHECK(kb::shown_value("", true).empty());
    CHECK(kb::shown_value("db.internal", false) == "db.internal");
}

TEST_CASE("credentials in log lines are masked, what the line says is kept", "[kb][secrets]") {
    using kb::redact_credentials;
    // An unescaped '@' in a password hides all of it.
    CHECK(redact_credentials("url postgresql://app:s3cr@t-pw@db/app ok") == "url postgresql://app:••••••@db/app ok");
    CHECK(redact_credentials("DATABASE_URL=postgresql://app:S3cret@db:5432/app") ==
          "DATABASE_URL=postgresql://app:••••••@db:5432/app");
    CHECK(redact_credentials("PGPASSWORD=hunter2 psql -h db") == "PGPASSWORD=•••••• psql -h db");
    CHECK(redact_credentials(R"({"api_key": "abcdef123456", "user": "bob"})") == R"({"api_key": "••••••", "user": "bob"})");
    CHECK(redact_credentials("Authorization: Bearer abc.def.ghi") == "Authorization: Bearer ••••••");
    CHECK(redact_credentials("remote: token ghp_0123456789abcdefghijABCDEFGHIJ012345 rejected") ==
          "remote: token •••••• rejected");
    CHECK(redact_credentials("aws: AKIAIOSFODNN7EXAMPLE denied") == "aws: •••••• denied");
    // Messages about credentials, and words that only look like keys, stay.
    for (const char* line : {"FATAL:  password authentication failed for user \"app\"",
                             "SyntaxError: Unexpected token: '}'", "connection to postgresql://db:5432/app refused",
                             "ERROR: permission denied for table secrets"}) {
        INFO(line);
        CHECK(redact_credentials(line) == line);
    }
}

// Compressed bytes for the tests of the log reader: gzip, xz, zstd (with a
// checksum, as the zstd tool writes by default) and raw deflate for zips.
#pragma once

#include <string>

namespace test {

std::string gzip(const std::string& data);
std::string xz(const std::string& data);
std::string zstd(const std::string& data);
std::string deflate_raw(const std::string& data);

}  // namespace test

#include "match/compress.hpp"

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <memory>

#include <catch2/catch.hpp>

namespace test {

namespace {

// zlib's window bits choose the framing: 16 + 15 gzip, -15 raw deflate.
std::string deflated(const std::string& data, int window_bits) {
    z_stream s{};
    deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&s, data.size()) + 64, '\0');
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    s.avail_in = static_cast<uInt>(data.size());
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    deflate(&s, Z_FINISH);
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
}

}  // namespace

std::string gzip(const std::string& data) { return deflated(data, 16 + MAX_WBITS); }

std::string xz(const std::string& data) {
    std::string out(lzma_stream_buffer_bound(data.size()), '\0');
    std::size_t used = 0;
    REQUIRE(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const std::uint8_t*>(data.data()),
                                    data.size(), reinterpret_cast<std::uint8_t*>(out.data()), &used,
                                    out.size()) == LZMA_OK);
    out.resize(used);
    return out;
}

std::string zstd(const std::string& data) {
    std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> context(ZSTD_createCCtx(), &ZSTD_freeCCtx);
    ZSTD_CCtx_setParameter(context.get(), ZSTD_c_checksumFlag, 1);
    std::string out(ZSTD_compressBound(data.size()), '\0');
    std::size_t size = ZSTD_compress2(context.get(), out.data(), out.size(), data.data(), data.size());
    REQUIRE_FALSE(ZSTD_isError(size));
    out.resize(size);
    return out;
}

std::string deflate_raw(const std::string& data) { return deflated(data, -MAX_WBITS); }

}  // namespace test

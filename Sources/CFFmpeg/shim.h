#ifndef PLATEWATCH_CFFMPEG_SHIM_H
#define PLATEWATCH_CFFMPEG_SHIM_H

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>

// Swift cannot call function-like macros; these are the ones the Ingest wrappers need.
static inline int pw_averror(int errnum) { return AVERROR(errnum); }
static inline int pw_averror_eof(void) { return AVERROR_EOF; }
static inline int pw_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int64_t pw_nopts_value(void) { return AV_NOPTS_VALUE; }

static inline void pw_av_strerror(int errnum, char *buffer, size_t size) {
    av_strerror(errnum, buffer, size);
}

#endif

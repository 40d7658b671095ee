/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Frames: the packet buffers the data path moves around. A frame is the
 * descriptor of one buffer of a page_pool (several buffers share a page when
 * the buffer size allows); the descriptor lives in daemon memory, the bytes in
 * the pool's memory (anonymous, hugepage or an application's region), so the
 * buffer address and its IOVA never change across recycles.
 *
 * Geometry follows the kernel's XDP frame:
 *
 *   buf                    data-meta_len  data            data+len          buf+buf_sz
 *    | headroom (256 B at RX) |  metadata  |  packet bytes  | ... | tailroom (320 B) |
 *
 * Which call when: ports and stages read and write data_off/len/meta_len
 * through the inline accessors; uxdp_frame__free() hands a frame back to the
 * pool it came from (page_pool.h), whichever worker calls it.
 */
#ifndef UXDP_FRAME_H
#define UXDP_FRAME_H

#include <stdint.h>

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Headroom in front of received packet data (XDP_PACKET_HEADROOM). */
#define UXDP_FRAME_HEADROOM 256
/** Tailroom reserved at the end of every buffer (skb_shared_info on x86-64). */
#define UXDP_FRAME_TAILROOM 320

/**
 * Frame flag for the backend of the port whose RX pool owns the buffer (kept
 * across recycles; 0 in a fresh buffer). gen: the buffer already holds a packet.
 */
#define UXDP_FRAME_F_BACKEND 0x01

struct uxdp_page_pool;

/**
 * @brief One packet buffer. buf, pool, iova and buf_sz are fixed for the
 * buffer's life; the rest describes the packet it holds now.
 */
struct uxdp_frame {
	uint8_t *buf;		      /**< start of the buffer (data_hard_start) */
	struct uxdp_page_pool *pool;  /**< pool the buffer belongs to */
	uint64_t iova;		      /**< device address of buf (kept across recycles) */
	uint32_t buf_sz;	      /**< buffer size (the XDP frame_sz) */
	uint16_t data_off;	      /**< packet data starts at buf + data_off */
	uint8_t meta_len;	      /**< metadata bytes right before the data */
	uint8_t flags;		      /**< UXDP_FRAME_F_* */
	uint32_t len;		      /**< packet bytes */
	uint32_t ingress_ifindex;     /**< port the packet came in on */
	uint16_t rx_queue;	      /**< RX queue it came in on */
	uint16_t reserved;
	uint32_t rss_hash;	      /**< receive hash (gen ports: Toeplitz) */
	void *priv;		      /**< scratch of the stage holding the frame */
} __attribute__((aligned(64)));

/** @brief First byte of the packet. */
static inline uint8_t *uxdp_frame__data(const struct uxdp_frame *f)
{
	return f->buf + f->data_off;
}

/** @brief Most packet bytes the buffer can hold from data (kernel tailroom kept). */
static inline uint32_t uxdp_frame__room(const struct uxdp_frame *f)
{
	return f->buf_sz - UXDP_FRAME_TAILROOM - f->data_off;
}

#ifdef __cplusplus
}
#endif

#endif /* UXDP_FRAME_H */

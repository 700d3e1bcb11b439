// v6lb_punt: the punt path to the host (Vitis HLS C++ kernel, compiled with v++ -c).
//
// v6lb_krnl's punt_axis carries the frames the pipeline hands to the host (ICMPv6/NDP,
// fragments, packets to the card's own address, ...). This kernel copies them into a ring of
// fixed slots in card memory (DDR or HBM, hw/vitis/link/<board>.cfg `sp=`), which the host maps
// with an xrt::bo and reads. One run moves up to `max_frames` frames or stops after `idle_polls`
// polls of an empty stream, and returns the new head; the host starts it again (ap_ctrl_chain
// lets it queue the next run). Frames are not lost while no run is active: the stream
// backpressures v6lb_krnl, whose punt FIFO then fills and the pipeline counts the drops.
//
// Slot layout (SLOT_BEATS x 64 bytes): beat 0 = header {bytes[15:0] = frame length,
// [16] = truncated (longer than the slot's 2,048 data bytes), [63:32] = sequence number}, beats
// 1.. = the frame, first byte in the low byte (AXI-Stream order).
#include <ap_axi_sdata.h>
#include <ap_int.h>
#include <hls_stream.h>

static const int SLOT_DATA_BEATS = 32;               // 2,048 bytes of frame per slot
static const int SLOT_BEATS = SLOT_DATA_BEATS + 1;   // + the header beat

typedef ap_axiu<512, 0, 0, 0> beat_t;

extern "C" void v6lb_punt(hls::stream<beat_t>& punt, ap_uint<512>* ring, unsigned slots,
                          unsigned head, unsigned max_frames, unsigned idle_polls,
                          unsigned* new_head) {
#pragma HLS INTERFACE mode=axis port=punt
#pragma HLS INTERFACE mode=m_axi port=ring offset=slave bundle=gmem max_write_burst_length=64
#pragma HLS INTERFACE mode=s_axilite port=ring
#pragma HLS INTERFACE mode=s_axilite port=slots
#pragma HLS INTERFACE mode=s_axilite port=head
#pragma HLS INTERFACE mode=s_axilite port=max_frames
#pragma HLS INTERFACE mode=s_axilite port=idle_polls
#pragma HLS INTERFACE mode=s_axilite port=new_head
#pragma HLS INTERFACE mode=ap_ctrl_chain port=return
  unsigned h = head;
  unsigned idle = 0;
  unsigned seq = head;
frames:
  for (unsigned n = 0; n < max_frames && idle < idle_polls;) {
    if (punt.empty()) {
      ++idle;
      continue;
    }
    idle = 0;
    const unsigned base = h * SLOT_BEATS;
    unsigned bytes = 0;
    bool last = false;
    bool truncated = false;
    int i = 0;
  beats:
    while (!last) {
#pragma HLS PIPELINE II = 1
      beat_t b = punt.read();
      last = b.last;
      bytes += __builtin_popcountll((unsigned long long)b.keep);
      if (i < SLOT_DATA_BEATS) {
        ring[base + 1 + i] = b.data;
      } else {
        truncated = true;
      }
      ++i;
    }
    ap_uint<512> hdr = 0;
    hdr.range(15, 0) = bytes;
    hdr[16] = truncated;
    hdr.range(63, 32) = seq++;
    ring[base] = hdr;
    h = (h + 1 == slots) ? 0 : h + 1;
    ++n;
  }
  *new_head = h;
}

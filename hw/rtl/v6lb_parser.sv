// Frame classifier of the data plane: Ethernet, at most one 802.1Q tag, IPv6, up to four
// extension headers (a Routing header with Segments Left != 0 stops the walk as an exception),
// TCP/UDP. Bit-exact with parse_frame() (host/lib/packet_parser.cc) and docs/PIPELINE.md
// section 1, including the frame-size limit (a frame longer than MAX_FRAME bytes is malformed,
// decided before everything else, like kMaxFrameLen in the model).
//
// Interface
//   in_window : frame byte i at in_window[8*i +: 8], i < WINDOW_BYTES. Bytes at or beyond in_len
//               are don't-care: like the C++, which never reads past len, no output depends on
//               them. A frame longer than the window arrives as its first WINDOW_BYTES bytes
//               plus its true length; the model never needs more (every header it reads must end
//               within the 256-byte parse window, and the one byte it reads of a header that
//               does not, the Hdr Ext Len, lies at most at byte 255).
//   card_mac  : MAC byte 0 in bits 47:40.   card_addr : address byte 0 in bits 127:120.
//   outputs   : registered, LATENCY (= 6) clocks after the inputs, one frame per clock; a frame
//               presented with in_valid in cycle t appears with out_valid in cycle t+6.
//     out_class     ParseClass value: 0 L4, 1 OtherProto, 2 Malformed, 3 NotIpv6, 4 WrongMac,
//                   5 BadSource, 6 Spoofed (the card's address as source), 7 PuntLocal,
//                   8 PuntFragment, 9 PuntExtHeaders, 10 PuntIcmp, 11 PuntHopLimit.
//     out_l3_off, out_ip_end, out_l4_off, out_proto, out_tcp_flags: exactly ParsedFrame's
//                   fields, including the partial values the C++ leaves behind on an early exit
//                   (e.g. l3_off set but ip_end 0 for a bad IPv6 version; tcp_flags set for a
//                   wrong-MAC TCP frame) and 0 where it never assigns them.
//     out_src_check ParsedFrame's vip_source_check: the frame passed the source checks and is
//                   not ICMPv6, so a VIP as its source makes it spoofed (the lookup decides).
//     out_src       the IPv6 source when out_src_check (always so for L4), else 0.
//     out_dst, out_sport, out_dport, out_hop_limit, out_l4_csum: the packet's fields
//                   when out_class is L4 (checksum at l4+16 for TCP, l4+6 for UDP), else 0.
//
// Structure. An extension or L4 header can only start at L3+40+8k (extension headers are
// multiples of 8 bytes), so after one 2:1 mux that aligns the window on L3 (14 or 18) every
// candidate start is 8-byte aligned: NG = 26 positions inside 256 bytes. What a header at a
// position would mean (its type, where the next one starts, truncated, leaving the window, a
// non-zero Segments Left, and the L4 checks: sizes, TCP data offset, UDP length, UDP checksum)
// does not depend on the walk, so it is decoded for all positions in parallel, as are the
// source address checks. All length checks are made against the payload length P instead of
// ip_end = L3+40+P and against constants for the window, which takes the IPv6-header adder and
// 17-bit comparators out of that decode. The walk is then a chain of 26:1 muxes of a small
// record; the mux selects come straight from the previous record's "next" field, not from the
// walk's status, so the status logic runs beside the chain instead of in it. No byte-granular
// shifter over the window exists.
//
// Six stages, each at most a few LUT levels deep (the card's timing target is 6 LUT levels
// between flip-flops at 322 MHz; docs/PERFORMANCE.md):
//   align     the tag test, the aligned view, the length/EtherType/MAC checks
//   decode    the IPv6 header checks; every position's record, in parallel
//   chase12   the second and third headers' records (two 26:1 selects)
//   chase34   the fourth and fifth
//   walk      where the walk stopped and why
//   classify  the L4 fields at that position, the precedence of the checks
module v6lb_parser #(
    parameter integer WINDOW_BYTES = 256,    // 64..504; the C++ kParseWindow
    parameter integer MAX_FRAME    = 10240,  // longest acceptable frame, bytes (kMaxFrameLen)
    parameter integer META_WIDTH   = 1
) (
    input  wire                      clk,
    input  wire                      rst,
    input  wire                      in_valid,
    input  wire [WINDOW_BYTES*8-1:0] in_window,
    input  wire [15:0]               in_len,
    input  wire [META_WIDTH-1:0]     in_meta,
    input  wire [47:0]               card_mac,
    input  wire [127:0]              card_addr,
    output logic                     out_valid,
    output logic [META_WIDTH-1:0]    out_meta,
    output logic [3:0]               out_class,
    output logic [7:0]               out_l3_off,
    output logic [8:0]               out_l4_off,
    output logic [15:0]              out_ip_end,
    output logic [7:0]               out_proto,
    output logic [7:0]               out_tcp_flags,
    output logic                     out_src_check,
    output logic [127:0]             out_src,
    output logic [127:0]             out_dst,
    output logic [15:0]              out_sport,
    output logic [15:0]              out_dport,
    output logic [7:0]               out_hop_limit,
    output logic [15:0]              out_l4_csum
);
  // Clocks from inputs to outputs; the instantiating stage delays its side data by as much.
  /* verilator lint_off UNUSEDPARAM */
  localparam integer LATENCY = 6;
  /* verilator lint_on UNUSEDPARAM */

  // Parameter ranges, checked at elaboration (simulation start in Verilator and Icarus).
  initial begin
    if (WINDOW_BYTES < 64 || WINDOW_BYTES > 504)
      $error("v6lb_parser: WINDOW_BYTES = %0d, must be 64..504", WINDOW_BYTES);
    if (MAX_FRAME < 64 || MAX_FRAME > 65535)
      $error("v6lb_parser: MAX_FRAME = %0d, must be 64..65535", MAX_FRAME);
    if (META_WIDTH < 1)
      $error("v6lb_parser: META_WIDTH = %0d, must be at least 1", META_WIDTH);
  end

  // ParseClass (host/include/v6lb/packet_class.h).
  localparam [3:0] C_L4 = 4'd0, C_OTHER = 4'd1, C_MALFORMED = 4'd2, C_NOT_IPV6 = 4'd3,
      C_WRONG_MAC = 4'd4, C_BAD_SOURCE = 4'd5, C_SPOOFED = 4'd6, C_LOCAL = 4'd7,
      C_FRAGMENT = 4'd8, C_EXT_HEADERS = 4'd9, C_ICMP = 4'd10, C_HOP_LIMIT = 4'd11;

  localparam [7:0] NH_HOP = 8'd0, NH_TCP = 8'd6, NH_UDP = 8'd17, NH_ROUTING = 8'd43,
      NH_FRAGMENT = 8'd44, NH_ICMP6 = 8'd58, NH_DSTOPTS = 8'd60;

  // Positions g = 0..NG-1 at L3+40+8g. A walk only moves on to a header that starts at or before
  // WINDOW_BYTES, so the last reachable one is SMAX14 = (WINDOW_BYTES-54)/8 without a tag and
  // SMAX18 with one; a header at g whose extent reaches s = g+len8+1 positions leaves the window
  // exactly when s > SMAX.
  localparam integer SMAX14 = (WINDOW_BYTES - 54) / 8;
  localparam integer SMAX18 = (WINDOW_BYTES - 58) / 8;
  localparam integer NG = SMAX14 + 1;
  localparam integer GW = $clog2(NG);
  // The aligned view must reach the L4 header read at the last position (20 bytes), so it is
  // a bit longer than the window; bytes past the window read as 0 and are never used.
  localparam integer VIEW_BYTES = 40 + 8 * NG + 24;

  localparam [31:0] SMAX14_U = SMAX14;
  localparam [31:0] SMAX18_U = SMAX18;
  localparam [8:0]  SMAX14_9 = SMAX14_U[8:0];
  localparam [8:0]  SMAX18_9 = SMAX18_U[8:0];
  localparam [31:0] MAX_FRAME_U = MAX_FRAME;

  // ---------------------------------------------------------------- stage align
  // The tag test, the aligned view and the checks on the raw frame (length, EtherType, MAC).
  wire [15:0] et0 = {in_window[8*12 +: 8], in_window[8*13 +: 8]};
  wire [15:0] et1 = {in_window[8*16 +: 8], in_window[8*17 +: 8]};
  wire        vlan = (et0 == 16'h8100);
  wire [15:0] ether_type = vlan ? et1 : et0;

  // view byte j = frame byte L3+j.
  logic [VIEW_BYTES*8-1:0] view_in;
  genvar gj;
  generate
    for (gj = 0; gj < VIEW_BYTES; gj = gj + 1) begin : g_view
      wire [7:0] b14;
      wire [7:0] b18;
      if (14 + gj < WINDOW_BYTES) begin : g_in14
        assign b14 = in_window[8*(14+gj) +: 8];
      end else begin : g_out14
        assign b14 = 8'd0;
      end
      if (18 + gj < WINDOW_BYTES) begin : g_in18
        assign b18 = in_window[8*(18+gj) +: 8];
      end else begin : g_out18
        assign b18 = 8'd0;
      end
      assign view_in[8*gj +: 8] = vlan ? b18 : b14;
    end
  endgenerate

  wire [47:0] dst_mac = {in_window[7:0], in_window[15:8], in_window[23:16], in_window[31:24],
                         in_window[39:32], in_window[47:40]};

  logic                    s0_valid;
  logic [META_WIDTH-1:0]   s0_meta;
  logic                    s0_vlan;
  logic [15:0]             s0_len;
  logic [VIEW_BYTES*8-1:0] view;
  logic                    s0_mal0, s0_not_ipv6, s0_mac_ok;
  always_ff @(posedge clk) begin
    if (rst) s0_valid <= 1'b0;
    else s0_valid <= in_valid;
    s0_meta <= in_meta;
    s0_vlan <= vlan;
    s0_len <= in_len;
    view <= view_in;
    s0_mal0 <= ({16'd0, in_len} > MAX_FRAME_U) || (in_len < 16'd14) || (vlan && (in_len < 16'd18));
    s0_not_ipv6 <= ether_type != 16'h86DD;
    s0_mac_ok <= (dst_mac == card_mac) || in_window[0];
  end

  // ---------------------------------------------------------------- stage decode
  // Everything about the IPv6 header and about a header at each position.
  wire         vlan_d = s0_vlan;
  wire [7:0]   l3_off = vlan_d ? 8'd18 : 8'd14;
  wire [15:0]  plen = {view[8*4 +: 8], view[8*5 +: 8]};
  wire [16:0]  len17 = {1'b0, s0_len};
  // 17 bits: L3 + 40 + payload length can exceed 65535, and then it exceeds len too.
  wire [16:0]  ip_end = {9'd0, l3_off} + 17'd40 + {1'b0, plen};

  wire bad_ipv6   = (len17 < {9'd0, l3_off} + 17'd40) || (view[7:4] != 4'd6) || (ip_end > len17);

  wire [7:0]   ip_nh  = view[8*6 +: 8];
  wire [7:0]   hop    = view[8*7 +: 8];
  wire [127:0] src;
  wire [127:0] dst;
  genvar ga;
  generate
    for (ga = 0; ga < 16; ga = ga + 1) begin : g_addr
      assign src[127-8*ga -: 8] = view[8*(8+ga) +: 8];
      assign dst[127-8*ga -: 8] = view[8*(24+ga) +: 8];
    end
  endgenerate
  wire dst_local = (dst == card_addr);
  wire hop_le1   = hop <= 8'd1;
  // Source checks (docs/PIPELINE.md §1 steps 9-10): multicast or loopback is always a bad
  // source; the unspecified address is one unless the frame is ICMPv6, and so is the card's own
  // address a spoofed one (decided in classify, which knows whether it is ICMPv6).
  wire src_zero_hi = (src[127:1] == 127'd0);
  wire src_bad     = (src[127:120] == 8'hFF) || (src_zero_hi && src[0]);
  wire src_unspec  = src_zero_hi && !src[0];
  wire src_card    = (src == card_addr);

  // Record of position g, as the walk consumes it (WW bits, MSB first):
  //   trunc   an extension header there is truncated: it ends beyond ip_end. Since it spans at
  //           least 8 bytes this also covers "its first 8 bytes are beyond ip_end", and then the
  //           length byte (maybe past len) cannot change the answer.
  //   win     it ends beyond the parse window
  //   sl      its byte 3 is not 0: if it is a Routing header, Segments Left != 0 and the walk
  //           stops there (used only when !trunc, so that byte lies within ip_end)
  //   fit_tcp, win_tcp, fit_udp, win_udp, csum0: the L4 checks for a TCP/UDP header there
  //   tcp_bad its data offset (byte 12) is below 5 or the header with options ends beyond
  //           ip_end, as a TCP header
  //   udp_bad its length (bytes 4-5) is not ip_end minus its start, as a UDP header
  //   ext, frag, rt: its own Next Header field names an extension header / a Fragment header /
  //           a Routing header
  //   nh      its Next Header field
  //   next    the position after it, kept to GW bits: exact whenever !trunc && !win, since
  //           then it is at most SMAX < NG; otherwise the walk stops there and never uses it
  localparam integer WW = 13 + 8 + GW;
  localparam integer W_TRUNC = WW - 1, W_WIN = WW - 2, W_SL = WW - 3, W_FIT_TCP = WW - 4,
      W_WIN_TCP = WW - 5, W_FIT_UDP = WW - 6, W_WIN_UDP = WW - 7, W_CSUM0 = WW - 8,
      W_TCP_BAD = WW - 9, W_UDP_BAD = WW - 10, W_EXT = WW - 11, W_FRAG = WW - 12,
      W_RT = WW - 13;
  // L4 fields of position g: {tcp_flags, tcp_csum, udp_csum, dport, sport}.
  localparam integer LW = 8 + 4 * 16;
  logic [NG*WW-1:0] walk_tab;
  logic [NG*LW-1:0] l4_tab;
  genvar gg;
  generate
    for (gg = 0; gg < NG; gg = gg + 1) begin : g_pos
      localparam integer R = 40 + 8 * gg;  // view offset of this position
      localparam [8:0]  S0 = gg + 1;       // extent in positions of an 8-byte header
      localparam [15:0] END0 = 8 * gg;      // offsets from the end of the IPv6 header
      localparam [15:0] END8 = 8 * gg + 8;
      localparam [15:0] END20 = 8 * gg + 20;
      // Constant per tag state: does an 8- or 20-byte header here leave the window?
      localparam WIN8_14 = (54 + 8 * gg + 8) > WINDOW_BYTES;
      localparam WIN8_18 = (58 + 8 * gg + 8) > WINDOW_BYTES;
      localparam WIN20_14 = (54 + 8 * gg + 20) > WINDOW_BYTES;
      localparam WIN20_18 = (58 + 8 * gg + 20) > WINDOW_BYTES;
      wire [7:0]  nh = view[8*R +: 8];
      wire [7:0]  ext_len = view[8*(R+1) +: 8];
      wire [8:0]  s = S0 + {1'b0, ext_len};
      wire        trunc = {4'd0, s, 3'b000} > plen;
      wire        win = s > (vlan_d ? SMAX18_9 : SMAX14_9);
      wire        sl = view[8*(R+3) +: 8] != 8'd0;
      wire        fit_tcp = END20 <= plen;
      wire        fit_udp = END8 <= plen;
      wire        win_tcp = vlan_d ? WIN20_18 : WIN20_14;
      wire        win_udp = vlan_d ? WIN8_18 : WIN8_14;
      wire [15:0] sport = {view[8*R +: 8], view[8*(R+1) +: 8]};
      wire [15:0] dport = {view[8*(R+2) +: 8], view[8*(R+3) +: 8]};
      wire [15:0] udp_csum = {view[8*(R+6) +: 8], view[8*(R+7) +: 8]};
      wire [15:0] udp_len = {view[8*(R+4) +: 8], view[8*(R+5) +: 8]};
      wire [3:0]  doff = view[8*(R+12)+4 +: 4];
      // rem: the bytes from here to ip_end. It wraps only when even an 8-byte header here is
      // beyond ip_end, and then neither check is used. The header with options ends beyond
      // ip_end when rem < 4 * doff, that is when rem / 4 < doff (a 4-bit compare).
      wire [15:0] rem = plen - END0;
      wire        tcp_bad = (doff < 4'd5) || (rem[15:6] == 10'd0 && rem[5:2] < doff);
      wire        udp_bad = udp_len != rem;
      wire [7:0]  tcp_flags = view[8*(R+13) +: 8];
      wire [15:0] tcp_csum = {view[8*(R+16) +: 8], view[8*(R+17) +: 8]};
      wire        ext = (nh == NH_HOP) || (nh == NH_DSTOPTS) || (nh == NH_ROUTING) ||
                        (nh == NH_FRAGMENT);
      wire        frag = (nh == NH_FRAGMENT);
      wire        rt = (nh == NH_ROUTING);
      assign walk_tab[gg*WW +: WW] = {trunc, win, sl, fit_tcp, win_tcp, fit_udp, win_udp,
                                      udp_csum == 16'd0, tcp_bad, udp_bad, ext, frag, rt, nh,
                                      s[GW-1:0]};
      assign l4_tab[gg*LW +: LW] = {tcp_flags, tcp_csum, udp_csum, dport, sport};
      wire unused_s = &{1'b0, s[8:GW]};
    end
  endgenerate

  function [WW-1:0] sel_walk;
    input [NG*WW-1:0] tab;
    input [GW-1:0] pos;
    integer j;
    begin
      sel_walk = {WW{1'b0}};
      for (j = 0; j < NG; j = j + 1)
        if (pos == j[GW-1:0]) sel_walk = tab[j*WW +: WW];
    end
  endfunction

  function [LW-1:0] sel_l4;
    input [NG*LW-1:0] tab;
    input [GW-1:0] pos;
    integer j;
    begin
      sel_l4 = {LW{1'b0}};
      for (j = 0; j < NG; j = j + 1)
        if (pos == j[GW-1:0]) sel_l4 = tab[j*LW +: LW];
    end
  endfunction

  wire          ip_nh_ext = (ip_nh == NH_HOP) || (ip_nh == NH_DSTOPTS) ||
                            (ip_nh == NH_ROUTING) || (ip_nh == NH_FRAGMENT);
  wire          ip_nh_frag = (ip_nh == NH_FRAGMENT);
  wire          ip_nh_rt = (ip_nh == NH_ROUTING);

  // Frame-level verdicts before the walk, folded into one code with their precedence.
  localparam [1:0] E_NONE = 2'd0, E_MAL0 = 2'd1, E_NOT_IPV6 = 2'd2, E_MAL_L3 = 2'd3;
  wire [1:0] early = s0_mal0 ? E_MAL0 : s0_not_ipv6 ? E_NOT_IPV6 : bad_ipv6 ? E_MAL_L3 : E_NONE;

  // What the classify stage needs of the frame besides the walk, carried through the chase and
  // walk stages as one bundle: {meta, early, vlan, ip_end, mac_ok, dst_local, src_bad,
  // src_unspec, src_card, hop_le1, hop, src, dst, ip_nh, ip_nh_ext, ip_nh_frag, ip_nh_rt}.
  localparam integer FRW = META_WIDTH + 2 + 1 + 16 + 6 + 8 + 256 + 8 + 3;
  wire [FRW-1:0] frame_in = {s0_meta, early, vlan_d, ip_end[15:0], s0_mac_ok, dst_local, src_bad,
                             src_unspec, src_card, hop_le1, hop, src, dst, ip_nh, ip_nh_ext,
                             ip_nh_frag, ip_nh_rt};

  logic                  s1_valid;
  logic [FRW-1:0]        s1_fr;
  logic [WW-1:0]         s1_e0;
  logic [NG*WW-1:0]      s1_walk_tab;
  logic [NG*LW-1:0]      s1_l4_tab;

  always_ff @(posedge clk) begin
    if (rst) s1_valid <= 1'b0;
    else s1_valid <= s0_valid;
    s1_fr <= frame_in;
    s1_e0 <= walk_tab[0 +: WW];
    s1_walk_tab <= walk_tab;
    s1_l4_tab <= l4_tab;
  end

  // ---------------------------------------------------------------- stages chase12, chase34
  // Chase the chain unconditionally: e_k is the record at the k-th header position, taken from
  // e_(k-1)'s "next" whether or not the walk really got that far (the walk stage ignores it if
  // not). Two 26:1 record selects per stage.
  wire [WW-1:0] e1 = sel_walk(s1_walk_tab, s1_e0[0 +: GW]);
  wire [WW-1:0] e2 = sel_walk(s1_walk_tab, e1[0 +: GW]);

  logic                  s2_valid;
  logic [FRW-1:0]        s2_fr;
  logic [WW-1:0]         s2_e0, s2_e1, s2_e2;
  logic [NG*WW-1:0]      s2_walk_tab;
  logic [NG*LW-1:0]      s2_l4_tab;
  always_ff @(posedge clk) begin
    if (rst) s2_valid <= 1'b0;
    else s2_valid <= s1_valid;
    s2_fr <= s1_fr;
    s2_e0 <= s1_e0;
    s2_e1 <= e1;
    s2_e2 <= e2;
    s2_walk_tab <= s1_walk_tab;
    s2_l4_tab <= s1_l4_tab;
  end

  wire [WW-1:0] e3 = sel_walk(s2_walk_tab, s2_e2[0 +: GW]);
  wire [WW-1:0] e4 = sel_walk(s2_walk_tab, e3[0 +: GW]);

  logic                  s3_valid;
  logic [FRW-1:0]        s3_fr;
  logic [5*WW-1:0]       s3_rec;  // e4 .. e0
  logic [NG*LW-1:0]      s3_l4_tab;
  always_ff @(posedge clk) begin
    if (rst) s3_valid <= 1'b0;
    else s3_valid <= s2_valid;
    s3_fr <= s2_fr;
    s3_rec <= {e4, e3, s2_e2, s2_e1, s2_e0};
    s3_l4_tab <= s2_l4_tab;
  end

  // ---------------------------------------------------------------- stage walk
  // The C++ loop, unrolled: header k (k = 0..4) has type nh_k (the IPv6 Next Header, then each
  // record's nh), starts at position pos_k (0, then each record's next) and is described by
  // record e_k. The first k that stops decides; a fifth extension header is one too many, but a
  // Fragment header is still a fragment (the C++ tests it first). A Routing header with Segments
  // Left != 0 stops the walk after its own truncation and window checks.
  localparam [2:0] S_WALK = 3'd0, S_DONE = 3'd1, S_MAL = 3'd2, S_FRAG = 3'd3, S_EXT = 3'd4;
  localparam integer RW = 3 + 8 + GW + WW;

  // Returns {status, nh, pos, record} of the header where the walk stopped.
  function [RW-1:0] walk;
    input [5*WW-1:0] rec;  // e_4 .. e_0
    input [7:0] nh0;  // the IPv6 Next Header and its three flags
    input ext0;
    input frag0;
    input rt0;
    integer k;
    reg [2:0]    st;
    reg [7:0]    nh;
    reg          ext, frag, rt;
    reg [GW-1:0] pos;
    reg [WW-1:0] e;
    begin
      st = S_WALK;
      walk = {RW{1'b0}};
      for (k = 0; k < 5; k = k + 1) begin
        e = rec[k*WW +: WW];
        if (k == 0) begin
          nh = nh0;
          ext = ext0;
          frag = frag0;
          rt = rt0;
          pos = {GW{1'b0}};
        end else begin
          nh = rec[(k-1)*WW + GW +: 8];
          ext = rec[(k-1)*WW + W_EXT];
          frag = rec[(k-1)*WW + W_FRAG];
          rt = rec[(k-1)*WW + W_RT];
          pos = rec[(k-1)*WW +: GW];
        end
        if (st == S_WALK) begin
          if (!ext) st = S_DONE;
          else if (frag) st = S_FRAG;
          else if (k == 4) st = S_EXT;
          else if (e[W_TRUNC]) st = S_MAL;
          else if (e[W_WIN]) st = S_EXT;
          else if (rt && e[W_SL]) st = S_EXT;
          walk = {st, nh, pos, e};
        end
      end
    end
  endfunction

  wire [RW-1:0]  w_in = walk(s3_rec, s3_fr[10:3], s3_fr[2], s3_fr[1], s3_fr[0]);

  logic                  s4_valid;
  logic [FRW-1:0]        s4_fr;
  logic [RW-1:0]         w;
  logic [NG*LW-1:0]      s4_l4_tab;
  always_ff @(posedge clk) begin
    if (rst) s4_valid <= 1'b0;
    else s4_valid <= s3_valid;
    s4_fr <= s3_fr;
    w <= w_in;
    s4_l4_tab <= s3_l4_tab;
  end

  // ---------------------------------------------------------------- stage classify
  wire [META_WIDTH-1:0] f_meta;
  wire [1:0]     f_early;
  wire           f_vlan, f_mac_ok, f_dst_local, f_src_bad, f_src_unspec, f_src_card, f_hop_le1;
  wire [15:0]    f_ip_end_all;
  wire [7:0]     f_hop;
  wire [127:0]   f_src, f_dst;
  wire [10:0]    f_unused_nh;
  assign {f_meta, f_early, f_vlan, f_ip_end_all, f_mac_ok, f_dst_local, f_src_bad, f_src_unspec,
          f_src_card, f_hop_le1, f_hop, f_src, f_dst, f_unused_nh} = s4_fr;

  wire [2:0]     w_st = w[RW-1 -: 3];
  wire [7:0]     w_nh = w[WW + GW +: 8];
  wire [GW-1:0]  w_pos = w[WW +: GW];
  wire [WW-1:0]  w_rec = w[0 +: WW];

  wire [8:0]    l4_off = {{(6-GW){1'b0}}, w_pos, 3'b000} + (f_vlan ? 9'd58 : 9'd54);
  wire [LW-1:0] l4 = sel_l4(s4_l4_tab, w_pos);
  wire [7:0]    l4_tcp_flags = l4[64 +: 8];
  wire [15:0]   l4_tcp_csum = l4[48 +: 16];
  wire [15:0]   l4_udp_csum = l4[32 +: 16];
  wire [15:0]   l4_dport = l4[16 +: 16];
  wire [15:0]   l4_sport = l4[0 +: 16];

  wire done    = (w_st == S_DONE);
  wire is_tcp  = done && (w_nh == NH_TCP);
  wire is_udp  = done && (w_nh == NH_UDP);
  wire fit_tcp = w_rec[W_FIT_TCP];
  wire win_tcp = w_rec[W_WIN_TCP];
  wire fit_udp = w_rec[W_FIT_UDP];
  wire win_udp = w_rec[W_WIN_UDP];
  wire csum0   = w_rec[W_CSUM0];
  wire tcp_bad = w_rec[W_TCP_BAD];
  wire udp_bad = w_rec[W_UDP_BAD];
  // L4 header beyond ip_end, or once the header is inside the window a bad TCP data offset, a
  // UDP length other than the payload's or a UDP checksum of 0.
  wire l4_mal  = (is_tcp && (!fit_tcp || (!win_tcp && tcp_bad))) ||
                 (is_udp && (!fit_udp || (!win_udp && (csum0 || udp_bad))));
  wire l4_ext  = (is_tcp && fit_tcp && win_tcp) || (is_udp && fit_udp && win_udp);
  wire l4_ok   = (is_tcp && fit_tcp && !win_tcp && !tcp_bad) ||
                 (is_udp && fit_udp && !win_udp && !csum0 && !udp_bad);
  wire icmp    = done && (w_nh == NH_ICMP6);
  // ICMPv6 may come from the unspecified address and from the card's own (NDP).
  wire bad_src = f_src_bad || (f_src_unspec && !icmp);
  wire spoof   = f_src_card && !icmp;

  logic [3:0]  cls;
  logic [7:0]  f_l3_off;
  logic [15:0] f_ip_end;
  logic [8:0]  f_l4_off;
  logic [7:0]  f_proto;
  logic [7:0]  f_tcp_flags;
  logic        f_src_check;
  always_comb begin
    cls = C_MALFORMED;
    f_src_check = 1'b0;
    f_l3_off = 8'd0;
    f_ip_end = 16'd0;
    f_l4_off = 9'd0;
    f_proto = 8'd0;
    f_tcp_flags = 8'd0;
    if (f_early == E_MAL0) begin
      cls = C_MALFORMED;
    end else if (f_early == E_NOT_IPV6) begin
      cls = C_NOT_IPV6;
    end else begin
      f_l3_off = f_vlan ? 8'd18 : 8'd14;
      if (f_early == E_MAL_L3) begin
        cls = C_MALFORMED;
      end else begin
        f_ip_end = f_ip_end_all;
        if (w_st == S_MAL) begin
          cls = C_MALFORMED;
        end else begin
          f_l4_off = l4_off;
          f_proto = w_nh;
          if (is_tcp && fit_tcp && !win_tcp) f_tcp_flags = l4_tcp_flags;
          if (l4_mal) cls = C_MALFORMED;
          else if (!f_mac_ok) cls = C_WRONG_MAC;
          else if (bad_src) cls = C_BAD_SOURCE;
          else if (spoof) cls = C_SPOOFED;
          else begin
            f_src_check = !icmp;
            if (f_dst_local) cls = C_LOCAL;
            else if (w_st == S_FRAG) cls = C_FRAGMENT;
            else if (w_st == S_EXT || l4_ext) cls = C_EXT_HEADERS;
            else if (icmp) cls = C_ICMP;
            else if (f_hop_le1) cls = C_HOP_LIMIT;
            else if (l4_ok) cls = C_L4;
            else cls = C_OTHER;
          end
        end
      end
    end
  end

  wire is_l4 = (cls == C_L4);

  always_ff @(posedge clk) begin
    if (rst) out_valid <= 1'b0;
    else out_valid <= s4_valid;
    out_meta <= f_meta;
    out_class <= cls;
    out_l3_off <= f_l3_off;
    out_l4_off <= f_l4_off;
    out_ip_end <= f_ip_end;
    out_proto <= f_proto;
    out_tcp_flags <= f_tcp_flags;
    out_src_check <= f_src_check;
    // Zero unless L4 (the source: unless checked against the VIPs, which includes L4), so
    // nothing read past the frame's end can reach the outputs: a frame that gets this far has
    // its whole IPv6 header within its length.
    out_src <= f_src_check ? f_src : 128'd0;
    out_dst <= is_l4 ? f_dst : 128'd0;
    out_sport <= is_l4 ? l4_sport : 16'd0;
    out_dport <= is_l4 ? l4_dport : 16'd0;
    out_hop_limit <= is_l4 ? f_hop : 8'd0;
    out_l4_csum <= !is_l4 ? 16'd0 : is_tcp ? l4_tcp_csum : l4_udp_csum;
  end

  // Source MAC, flow label, and the view bytes no position's decoder needs are not part of any
  // decision; neither is the "next" of the fifth record.
  wire unused_ok = &{1'b0, in_window[95:48], view, s3_rec[4*WW +: GW], f_unused_nh};
endmodule

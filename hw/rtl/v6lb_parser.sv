// Frame classifier of the data plane: Ethernet, at most one 802.1Q tag, IPv6, up to four
// extension headers, TCP/UDP. Bit-exact with parse_frame() (host/lib/packet_parser.cc) and
// docs/PIPELINE.md section 1, plus the MAX_FRAME rule (a frame longer than MAX_FRAME bytes is
// malformed, decided before everything else).
//
// Interface
//   in_window : frame byte i at in_window[8*i +: 8], i < WINDOW_BYTES. Bytes at or beyond in_len
//               are don't-care: like the C++, which never reads past len, no output depends on
//               them. A frame longer than the window arrives as its first WINDOW_BYTES bytes
//               plus its true length; the model never needs more (every header it reads must end
//               within the 256-byte parse window, and the one byte it reads of a header that
//               does not, the Hdr Ext Len, lies at most at byte 255).
//   card_mac  : MAC byte 0 in bits 47:40.   card_addr : address byte 0 in bits 127:120.
//   outputs   : registered, LATENCY clocks after the inputs, one frame per clock.
//     out_class     ParseClass value: 0 L4, 1 OtherProto, 2 Malformed, 3 NotIpv6, 4 WrongMac,
//                   5 PuntLocal, 6 PuntFragment, 7 PuntExtHeaders, 8 PuntIcmp, 9 PuntHopLimit.
//     out_l3_off, out_ip_end, out_l4_off, out_proto, out_tcp_flags: exactly ParsedFrame's
//                   fields, including the partial values the C++ leaves behind on an early exit
//                   (e.g. l3_off set but ip_end 0 for a bad IPv6 version) and 0 where it never
//                   assigns them.
//     out_src, out_dst, out_sport, out_dport, out_hop_limit, out_l4_csum: the packet's fields
//                   when out_class is L4 (checksum at l4+16 for TCP, l4+6 for UDP), else 0.
//
// Latency: LATENCY = 2. Stage 1 aligns the window on the IPv6 header, precomputes what every
// possible extension/L4 header position would mean and walks the first two extension headers;
// stage 2 walks the other two, selects the L4 fields and applies the precedence of the checks.
//
// Structure. An extension or L4 header can only start at L3+40+8k (headers are multiples of 8
// bytes), so after a 2:1 mux that aligns the window on L3 (14 or 18) every candidate start is
// 8-byte aligned: NG = 26 positions inside 256 bytes. For each position the decoding (next
// header, length, end, "truncated", "leaves the window", L4 fields) does not depend on the walk,
// so it is computed for all positions in parallel; the walk itself is then only a chain of
// 26:1 muxes of a small record (next header, next position, two flags), and the final L4 fields
// are one more 26:1 mux. That keeps the serial part to a few LUT levels per header instead of
// a byte-granular shifter over the whole window per step.
module v6lb_parser #(
    parameter integer WINDOW_BYTES = 256,    // multiple of 8, >= 64 (the C++ kParseWindow)
    parameter integer MAX_FRAME    = 10240,  // longest acceptable frame, bytes
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
    output logic [127:0]             out_src,
    output logic [127:0]             out_dst,
    output logic [15:0]              out_sport,
    output logic [15:0]              out_dport,
    output logic [7:0]               out_hop_limit,
    output logic [15:0]              out_l4_csum
);
  // Clocks from inputs to outputs; the instantiating stage delays its side data by as much.
  /* verilator lint_off UNUSEDPARAM */
  localparam integer LATENCY = 2;
  /* verilator lint_on UNUSEDPARAM */

  // ParseClass (host/include/v6lb/packet_class.h).
  localparam [3:0] C_L4 = 4'd0, C_OTHER = 4'd1, C_MALFORMED = 4'd2, C_NOT_IPV6 = 4'd3,
      C_WRONG_MAC = 4'd4, C_LOCAL = 4'd5, C_FRAGMENT = 4'd6, C_EXT_HEADERS = 4'd7,
      C_ICMP = 4'd8, C_HOP_LIMIT = 4'd9;

  localparam [7:0] NH_HOP = 8'd0, NH_TCP = 8'd6, NH_UDP = 8'd17, NH_ROUTING = 8'd43,
      NH_FRAGMENT = 8'd44, NH_ICMP6 = 8'd58, NH_DSTOPTS = 8'd60;

  // Candidate header positions g = 0..NG-1 at L3+40+8g. A walk only moves on to a header that
  // starts at or before WINDOW_BYTES, and without a tag L3+40 = 54, so the last reachable one
  // is g = (WINDOW_BYTES-54)/8.
  localparam integer NG = (WINDOW_BYTES - 54) / 8 + 1;
  localparam integer GW = $clog2(NG);
  // The aligned view must reach the L4 header read at the last position (20 bytes), so it is
  // a bit longer than the window; bytes past the window read as 0 and are never used.
  localparam integer VIEW_BYTES = 40 + 8 * NG + 24;

  localparam [31:0] WIN_U = WINDOW_BYTES;
  localparam [16:0] WIN17 = WIN_U[16:0];
  localparam [31:0] MAX_FRAME_U = MAX_FRAME;

  // ---------------------------------------------------------------- stage 1: align, decode
  wire [15:0] et0 = {in_window[8*12 +: 8], in_window[8*13 +: 8]};
  wire [15:0] et1 = {in_window[8*16 +: 8], in_window[8*17 +: 8]};
  wire        vlan = (et0 == 16'h8100);
  wire [15:0] ether_type = vlan ? et1 : et0;

  // view byte j = frame byte L3+j.
  logic [VIEW_BYTES*8-1:0] view;
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
      assign view[8*gj +: 8] = vlan ? b18 : b14;
    end
  endgenerate

  wire [7:0]   l3_off = vlan ? 8'd18 : 8'd14;
  wire [16:0]  len17 = {1'b0, in_len};
  // 17 bits: L3 + 40 + payload length can exceed 65535, and then it exceeds len too.
  wire [16:0]  ip_end = {9'd0, l3_off} + 17'd40 + {1'b0, view[8*4 +: 8], view[8*5 +: 8]};

  wire too_big    = {16'd0, in_len} > MAX_FRAME_U;
  wire short_eth  = in_len < 16'd14;
  wire short_vlan = vlan && (in_len < 16'd18);
  wire not_ipv6   = ether_type != 16'h86DD;
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
  wire [47:0] dst_mac = {in_window[7:0], in_window[15:8], in_window[23:16], in_window[31:24],
                         in_window[39:32], in_window[47:40]};
  wire mac_ok    = (dst_mac == card_mac) || in_window[0];
  wire dst_local = (dst == card_addr);
  wire hop_le1   = hop <= 8'd1;

  // Per position g: walk record {trunc, win, nh, next} and L4 record.
  //   trunc : the extension header there would be truncated (cur+8 or cur+hlen beyond ip_end)
  //   win   : it would end beyond the parse window
  //   next  : position of the header after it; exact whenever !trunc && !win
  //   nh    : its Next Header byte
  localparam integer WW = 2 + GW + 8;
  // {fit_tcp, win_tcp, fit_udp, win_udp, udp_csum0, tcp_flags, tcp_csum, udp_csum, dport, sport}
  localparam integer LW = 5 + 8 + 4 * 16;
  logic [NG*WW-1:0] walk_tab;
  logic [NG*LW-1:0] l4_tab;
  genvar gg;
  generate
    for (gg = 0; gg < NG; gg = gg + 1) begin : g_pos
      localparam [8:0] CUR14 = 54 + 8 * gg;
      localparam [8:0] CUR18 = 58 + 8 * gg;
      localparam [GW-1:0] POS = gg;
      localparam integer R = 40 + 8 * gg;  // view offset of this position
      wire [16:0] cur = {8'd0, vlan ? CUR18 : CUR14};
      wire [7:0]  nh = view[8*R +: 8];
      wire [7:0]  ext_len = view[8*(R+1) +: 8];
      wire [16:0] hdr_end = cur + {6'd0, ext_len, 3'b000} + 17'd8;
      wire        fit8 = cur + 17'd8 <= ip_end;
      wire        fit20 = cur + 17'd20 <= ip_end;
      wire        trunc = !fit8 || (hdr_end > ip_end);
      wire        win = hdr_end > WIN17;
      wire [GW-1:0] next = POS + ext_len[GW-1:0] + 1'b1;
      wire [15:0] sport = {view[8*R +: 8], view[8*(R+1) +: 8]};
      wire [15:0] dport = {view[8*(R+2) +: 8], view[8*(R+3) +: 8]};
      wire [15:0] udp_csum = {view[8*(R+6) +: 8], view[8*(R+7) +: 8]};
      wire [7:0]  tcp_flags = view[8*(R+13) +: 8];
      wire [15:0] tcp_csum = {view[8*(R+16) +: 8], view[8*(R+17) +: 8]};
      assign walk_tab[gg*WW +: WW] = {trunc, win, nh, next};
      assign l4_tab[gg*LW +: LW] = {fit20, cur + 17'd20 > WIN17, fit8, cur + 17'd8 > WIN17,
                                    udp_csum == 16'd0, tcp_flags, tcp_csum, udp_csum, dport,
                                    sport};
    end
  endgenerate

  // Walk state {status, nh, position}.
  localparam [2:0] S_WALK = 3'd0, S_DONE = 3'd1, S_MAL = 3'd2, S_FRAG = 3'd3, S_EXT = 3'd4;
  localparam integer SW = 3 + 8 + GW;

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

  // One iteration of the C++ while loop; `entry` is the record at the state's position. Its
  // low 8+GW bits {nh, next} have the layout of the state's {nh, position}.
  // `last` is the check after the fourth header: another extension header is one too many
  // (a Fragment header still counts as a fragment, as the C++ tests it first).
  function [SW-1:0] walk_step;
    input [SW-1:0] state;
    input [WW-1:0] entry;
    input last;
    reg [2:0] st;
    reg [7:0] nh;
    begin
      st = state[SW-1 -: 3];
      nh = state[GW +: 8];
      walk_step = state;
      if (st == S_WALK) begin
        if (nh != NH_HOP && nh != NH_DSTOPTS && nh != NH_ROUTING && nh != NH_FRAGMENT)
          walk_step[SW-1 -: 3] = S_DONE;
        else if (nh == NH_FRAGMENT)
          walk_step[SW-1 -: 3] = S_FRAG;
        else if (last)
          walk_step[SW-1 -: 3] = S_EXT;
        else if (entry[WW-1])
          walk_step[SW-1 -: 3] = S_MAL;
        else if (entry[WW-2])
          walk_step[SW-1 -: 3] = S_EXT;
        else
          walk_step = {S_WALK, entry[GW +: 8], entry[0 +: GW]};
      end
    end
  endfunction

  wire [SW-1:0] walk0 = {S_WALK, ip_nh, {GW{1'b0}}};
  wire [SW-1:0] walk1 = walk_step(walk0, walk_tab[0 +: WW], 1'b0);
  wire [SW-1:0] walk2 = walk_step(walk1, sel_walk(walk_tab, walk1[0 +: GW]), 1'b0);

  // Frame-level verdicts before the walk, folded into one code with its precedence.
  localparam [1:0] E_NONE = 2'd0, E_MAL0 = 2'd1, E_NOT_IPV6 = 2'd2, E_MAL_L3 = 2'd3;
  wire [1:0] early = (too_big || short_eth || short_vlan) ? E_MAL0 :
                     not_ipv6 ? E_NOT_IPV6 :
                     bad_ipv6 ? E_MAL_L3 : E_NONE;

  logic                  s1_valid;
  logic [META_WIDTH-1:0] s1_meta;
  logic [1:0]            s1_early;
  logic                  s1_vlan;
  logic [15:0]           s1_ip_end;
  logic                  s1_mac_ok, s1_dst_local, s1_hop_le1;
  logic [7:0]            s1_hop;
  logic [127:0]          s1_src, s1_dst;
  logic [SW-1:0]         s1_walk;
  logic [NG*WW-1:0]      s1_walk_tab;
  logic [NG*LW-1:0]      s1_l4_tab;

  always_ff @(posedge clk) begin
    if (rst) s1_valid <= 1'b0;
    else s1_valid <= in_valid;
    s1_meta <= in_meta;
    s1_early <= early;
    s1_vlan <= vlan;
    s1_ip_end <= ip_end[15:0];
    s1_mac_ok <= mac_ok;
    s1_dst_local <= dst_local;
    s1_hop_le1 <= hop_le1;
    s1_hop <= hop;
    s1_src <= src;
    s1_dst <= dst;
    s1_walk <= walk2;
    s1_walk_tab <= walk_tab;
    s1_l4_tab <= l4_tab;
  end

  // ---------------------------------------------------------------- stage 2: finish, classify
  wire [SW-1:0] walk3 = walk_step(s1_walk, sel_walk(s1_walk_tab, s1_walk[0 +: GW]), 1'b0);
  wire [SW-1:0] walk4 = walk_step(walk3, sel_walk(s1_walk_tab, walk3[0 +: GW]), 1'b0);
  wire [SW-1:0] walk5 = walk_step(walk4, {WW{1'b0}}, 1'b1);

  wire [2:0]    w_st  = walk5[SW-1 -: 3];
  wire [7:0]    w_nh  = walk5[GW +: 8];
  wire [GW-1:0] w_pos = walk5[0 +: GW];
  wire [8:0]    l4_off = {{(6-GW){1'b0}}, w_pos, 3'b000} + (s1_vlan ? 9'd58 : 9'd54);

  wire [LW-1:0] l4 = sel_l4(s1_l4_tab, w_pos);
  wire        fit_tcp = l4[LW-1];
  wire        win_tcp = l4[LW-2];
  wire        fit_udp = l4[LW-3];
  wire        win_udp = l4[LW-4];
  wire        udp_csum0 = l4[LW-5];
  wire [7:0]  l4_tcp_flags = l4[64 +: 8];
  wire [15:0] l4_tcp_csum = l4[48 +: 16];
  wire [15:0] l4_udp_csum = l4[32 +: 16];
  wire [15:0] l4_dport = l4[16 +: 16];
  wire [15:0] l4_sport = l4[0 +: 16];

  wire done = (w_st == S_DONE);
  wire is_tcp = done && (w_nh == NH_TCP);
  wire is_udp = done && (w_nh == NH_UDP);
  // L4 header beyond ip_end, or a UDP checksum of 0 once the header is inside the window.
  wire l4_mal = (is_tcp && !fit_tcp) || (is_udp && (!fit_udp || (!win_udp && udp_csum0)));
  wire l4_ext = (is_tcp && fit_tcp && win_tcp) || (is_udp && fit_udp && win_udp);
  wire l4_ok  = (is_tcp && fit_tcp && !win_tcp) || (is_udp && fit_udp && !win_udp && !udp_csum0);
  wire icmp   = done && (w_nh == NH_ICMP6);

  logic [3:0]  cls;
  logic [7:0]  f_l3_off;
  logic [15:0] f_ip_end;
  logic [8:0]  f_l4_off;
  logic [7:0]  f_proto;
  logic [7:0]  f_tcp_flags;
  always_comb begin
    cls = C_MALFORMED;
    f_l3_off = 8'd0;
    f_ip_end = 16'd0;
    f_l4_off = 9'd0;
    f_proto = 8'd0;
    f_tcp_flags = 8'd0;
    if (s1_early == E_MAL0) begin
      cls = C_MALFORMED;
    end else if (s1_early == E_NOT_IPV6) begin
      cls = C_NOT_IPV6;
    end else begin
      f_l3_off = s1_vlan ? 8'd18 : 8'd14;
      if (s1_early == E_MAL_L3) begin
        cls = C_MALFORMED;
      end else begin
        f_ip_end = s1_ip_end;
        if (w_st == S_MAL) begin
          cls = C_MALFORMED;
        end else begin
          f_l4_off = l4_off;
          f_proto = w_nh;
          if (is_tcp && fit_tcp && !win_tcp) f_tcp_flags = l4_tcp_flags;
          if (l4_mal) cls = C_MALFORMED;
          else if (!s1_mac_ok) cls = C_WRONG_MAC;
          else if (s1_dst_local) cls = C_LOCAL;
          else if (w_st == S_FRAG) cls = C_FRAGMENT;
          else if (w_st == S_EXT || l4_ext) cls = C_EXT_HEADERS;
          else if (icmp) cls = C_ICMP;
          else if (s1_hop_le1) cls = C_HOP_LIMIT;
          else if (l4_ok) cls = C_L4;
          else cls = C_OTHER;
        end
      end
    end
  end

  wire is_l4 = (cls == C_L4);

  always_ff @(posedge clk) begin
    if (rst) out_valid <= 1'b0;
    else out_valid <= s1_valid;
    out_meta <= s1_meta;
    out_class <= cls;
    out_l3_off <= f_l3_off;
    out_l4_off <= f_l4_off;
    out_ip_end <= f_ip_end;
    out_proto <= f_proto;
    out_tcp_flags <= f_tcp_flags;
    // Zero unless L4, so nothing read past the frame's end can reach the outputs.
    out_src <= is_l4 ? s1_src : 128'd0;
    out_dst <= is_l4 ? s1_dst : 128'd0;
    out_sport <= is_l4 ? l4_sport : 16'd0;
    out_dport <= is_l4 ? l4_dport : 16'd0;
    out_hop_limit <= is_l4 ? s1_hop : 8'd0;
    out_l4_csum <= !is_l4 ? 16'd0 : is_tcp ? l4_tcp_csum : l4_udp_csum;
  end

  // Source MAC bytes, flow label, and the view bytes of the per-position decoders that no
  // field needs are not part of any decision.
  wire unused_ok = &{1'b0, in_window[95:48], view};
endmodule

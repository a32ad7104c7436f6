//! Read coalescing: the points of one device and table are merged into as few requests as
//! the protocol allows (125 registers, 2000 bits), bridging unused gaps up to `max_gap`.

use crate::config::ModbusPoint;
use crate::point::decode::{Conversion, Decoder, Table};
use crate::point::PointIndex;

/// One read request and the points it feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadBlock {
    pub table: Table,
    pub start: u16,
    pub count: u16,
    pub points: Vec<BlockPoint>,
}

/// One point inside a block, with the decoder chosen for it at load time.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockPoint {
    pub index: PointIndex,
    /// Offset from the block's `start`.
    pub offset: u16,
    pub decoder: Decoder,
    pub conversion: Conversion,
}

/// Plans the requests for one device's points.
pub fn plan_blocks(points: &[(PointIndex, &ModbusPoint)], max_gap: u16) -> Vec<ReadBlock> {
    let mut sorted: Vec<_> = points
        .iter()
        .map(|(i, p)| (p.table, p.address, p.decoder.width(), *i, *p))
        .collect();
    sorted.sort_by_key(|&(t, a, w, i, _)| (t, a, w, i));
    let mut blocks: Vec<ReadBlock> = Vec::new();
    for (table, addr, width, index, p) in sorted {
        let point = |offset| BlockPoint {
            index,
            offset,
            decoder: p.decoder.clone(),
            conversion: p.conversion.clone(),
        };
        let end = u32::from(addr) + u32::from(width); // exclusive
        if let Some(b) = blocks.last_mut().filter(|b| b.table == table) {
            let b_end = u32::from(b.start) + u32::from(b.count);
            let fits = end - u32::from(b.start) <= u32::from(table.max_per_request());
            let close = u32::from(addr) <= b_end + u32::from(max_gap);
            if fits && close {
                b.count = (end.max(b_end) - u32::from(b.start)) as u16;
                b.points.push(point(addr - b.start));
                continue;
            }
        }
        blocks.push(ReadBlock {
            table,
            start: addr,
            count: width,
            points: vec![point(0)],
        });
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::point::decode::{Conversion, Decoder, Number, WordOrder};

    fn point(table: Table, address: u16, decoder: Decoder) -> ModbusPoint {
        ModbusPoint {
            device: 0,
            table,
            address,
            decoder,
            conversion: Conversion::default(),
        }
    }
    fn u16p(table: Table, a: u16) -> ModbusPoint {
        point(
            table,
            a,
            Decoder::Number {
                ty: Number::U16,
                order: WordOrder::Abcd,
            },
        )
    }

    #[test]
    fn neighbouring_registers_merge_into_one_request() {
        let ps = [
            u16p(Table::Holding, 0),
            u16p(Table::Holding, 1),
            point(
                Table::Holding,
                4,
                Decoder::Number {
                    ty: Number::F32,
                    order: WordOrder::Cdab,
                },
            ),
        ];
        let refs: Vec<_> = ps.iter().enumerate().map(|(i, p)| (PointIndex(i), p)).collect();
        let blocks = plan_blocks(&refs, 8);
        assert_eq!(blocks.len(), 1);
        assert_eq!((blocks[0].start, blocks[0].count), (0, 6));
        assert_eq!(
            blocks[0].points.iter().map(|p| (p.index, p.offset)).collect::<Vec<_>>(),
            vec![(PointIndex(0), 0), (PointIndex(1), 1), (PointIndex(2), 4)]
        );
    }

    #[test]
    fn gaps_wider_than_max_gap_and_other_tables_split_requests() {
        let ps = [
            u16p(Table::Holding, 0),
            u16p(Table::Holding, 20),
            u16p(Table::Input, 0),
            point(Table::Coil, 0, Decoder::Bit),
        ];
        let refs: Vec<_> = ps.iter().enumerate().map(|(i, p)| (PointIndex(i), p)).collect();
        let blocks = plan_blocks(&refs, 8);
        assert_eq!(blocks.len(), 4);
        assert!(blocks.iter().all(|b| b.count == 1));
    }

    #[test]
    fn a_request_never_exceeds_the_protocol_limit() {
        let ps: Vec<_> = (0..300u16).map(|a| u16p(Table::Input, a)).collect();
        let refs: Vec<_> = ps.iter().enumerate().map(|(i, p)| (PointIndex(i), p)).collect();
        let blocks = plan_blocks(&refs, 8);
        assert_eq!(blocks.iter().map(|b| b.count).collect::<Vec<_>>(), vec![125, 125, 50]);
        let bits: Vec<_> = (0..2500u16)
            .map(|a| point(Table::DiscreteInput, a, Decoder::Bit))
            .collect();
        let refs: Vec<_> = bits.iter().enumerate().map(|(i, p)| (PointIndex(i), p)).collect();
        assert_eq!(
            plan_blocks(&refs, 8).iter().map(|b| b.count).collect::<Vec<_>>(),
            vec![2000, 500]
        );
    }

    #[test]
    fn two_flags_from_one_status_word_share_the_register() {
        let ps = [
            point(Table::Input, 10, Decoder::RegisterBit(0)),
            point(Table::Input, 10, Decoder::RegisterBit(3)),
        ];
        let refs: Vec<_> = ps.iter().enumerate().map(|(i, p)| (PointIndex(i), p)).collect();
        let blocks = plan_blocks(&refs, 0);
        assert_eq!(blocks.len(), 1);
        assert_eq!((blocks[0].start, blocks[0].count), (10, 1));
    }
}

//! The communicating devices of the demo building: which controller or sensor
//! answers on which Modbus unit id or publishes on which MQTT topic, and which
//! equipment it reports on.
//!
//! Equipment (a generator, a pump) is what the procedures talk about; a device
//! is what a cable or a broker connects to. The two are kept apart because a
//! test "unplugs" a device (`offline booster-set-controller`), and every
//! equipment behind it must then become unknown to facmon at once.

/// How facmon reaches a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Behind the plant gateway's Modbus TCP listener.
    ModbusTcp,
    /// On the sump-pump RS-485 bus (Modbus RTU).
    ModbusRtu,
    /// Publishes to the site MQTT broker.
    Mqtt,
}

impl Transport {
    /// The name used in docs and status lines.
    pub fn label(self) -> &'static str {
        match self {
            Self::ModbusTcp => "Modbus TCP",
            Self::ModbusRtu => "Modbus RTU",
            Self::Mqtt => "MQTT",
        }
    }
}

/// One communicating device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    /// The id used in `config/demo.toml` and by `offline` / `online`.
    pub id: &'static str,
    /// Bilingual display name.
    pub name: &'static str,
    /// How it is reached.
    pub transport: Transport,
    /// Modbus unit (slave) id; 0 for MQTT devices.
    pub unit: u8,
    /// The equipment it reports on.
    pub equipment: &'static [&'static str],
}

/// Every device of the demo building, in unit-id order, MQTT devices last.
pub const DEVICES: &[Device] = &[
    Device {
        id: "gen-1-controller",
        name: "1号发电机控制器 Generator 1 controller",
        transport: Transport::ModbusTcp,
        unit: 1,
        equipment: &["gen-1"],
    },
    Device {
        id: "ats-1-controller",
        name: "1号切换柜控制器 ATS 1 controller",
        transport: Transport::ModbusTcp,
        unit: 2,
        equipment: &["ats-1"],
    },
    Device {
        id: "feeds-monitor",
        name: "市电进线监测 Utility feed monitor",
        transport: Transport::ModbusTcp,
        unit: 3,
        equipment: &["feed-1", "feed-2"],
    },
    Device {
        id: "booster-set-controller",
        name: "加压泵组控制器 Booster set controller",
        transport: Transport::ModbusTcp,
        unit: 4,
        equipment: &["booster-set", "pump-1", "pump-2"],
    },
    Device {
        id: "tank-1-sensor",
        name: "1号水池液位计 Tank 1 level transmitter",
        transport: Transport::ModbusTcp,
        unit: 5,
        equipment: &["tank-1"],
    },
    Device {
        id: "fire-pump-room-controller",
        name: "消防泵房控制器 Fire pump room controller",
        transport: Transport::ModbusTcp,
        unit: 6,
        equipment: &["fire-pump-1", "fire-main-1", "fan-press-1", "fan-smoke-1"],
    },
    Device {
        id: "room-power-monitor",
        name: "重要机房电源监测 Critical room power monitor",
        transport: Transport::ModbusTcp,
        unit: 7,
        equipment: &["room-control", "room-lift"],
    },
    Device {
        id: "sump-b2-controller",
        name: "B2集水坑控制器 Sump pit B2 controller",
        transport: Transport::ModbusRtu,
        unit: 10,
        equipment: &["sump-b2", "sump-pump-b2"],
    },
    Device {
        id: "sump-b3-controller",
        name: "B3集水坑控制器 Sump pit B3 controller",
        transport: Transport::ModbusRtu,
        unit: 11,
        equipment: &["sump-b3", "sump-pump-b3"],
    },
    Device {
        id: "fire-panel-1",
        name: "1号消防主机 Fire alarm panel 1",
        transport: Transport::Mqtt,
        unit: 0,
        equipment: &["fire-panel-1"],
    },
    Device {
        id: "leak-gen-room",
        name: "发电机房水浸探测 Generator room leak sensor",
        transport: Transport::Mqtt,
        unit: 0,
        equipment: &["leak-gen-room"],
    },
    Device {
        id: "leak-pump-room",
        name: "水泵房水浸探测 Pump room leak sensor",
        transport: Transport::Mqtt,
        unit: 0,
        equipment: &["leak-pump-room"],
    },
];

/// The device with this id.
pub fn find(id: &str) -> Option<&'static Device> {
    DEVICES.iter().find(|d| d.id == id)
}

/// The device answering `unit` on `transport`, if any.
pub fn by_unit(transport: Transport, unit: u8) -> Option<&'static Device> {
    DEVICES
        .iter()
        .find(|d| d.transport == transport && d.unit == unit && transport != Transport::Mqtt)
}

/// The device that reports on `equipment`, if any (`mains` has none: the ATS
/// and the feed monitor sense it).
pub fn serving(equipment: &str) -> Option<&'static Device> {
    DEVICES.iter().find(|d| d.equipment.contains(&equipment))
}

/// Resolves what a user typed after `offline` / `online`: a device id, or the
/// id of an equipment that device reports on.
pub fn resolve(id: &str) -> Option<&'static Device> {
    find(id).or_else(|| serving(id))
}

/// All device ids, for error messages.
pub fn ids() -> Vec<&'static str> {
    DEVICES.iter().map(|d| d.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_and_units_are_unique() {
        for (i, a) in DEVICES.iter().enumerate() {
            for b in &DEVICES[i + 1..] {
                assert_ne!(a.id, b.id);
                if a.transport != Transport::Mqtt {
                    assert!(
                        a.transport != b.transport || a.unit != b.unit,
                        "{} and {} share a unit",
                        a.id,
                        b.id
                    );
                }
            }
        }
    }

    #[test]
    fn an_equipment_id_resolves_to_the_device_that_serves_it() {
        assert_eq!(resolve("pump-2").map(|d| d.id), Some("booster-set-controller"));
        assert_eq!(resolve("sump-b3-controller").map(|d| d.unit), Some(11));
        assert!(resolve("mains").is_none());
    }

    #[test]
    fn units_are_only_found_on_their_own_transport() {
        assert!(by_unit(Transport::ModbusTcp, 10).is_none());
        assert_eq!(
            by_unit(Transport::ModbusRtu, 10).map(|d| d.id),
            Some("sump-b2-controller")
        );
        assert!(by_unit(Transport::Mqtt, 0).is_none());
    }
}

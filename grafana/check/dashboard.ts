// The type every dashboard in grafana/dashboards must satisfy. scripts/check-dashboards.sh
// compiles each dashboard's JSON as `const dashboard: FacmonDashboard = <json>` with
// `tsc --strict --noEmit` against the pinned @grafana/schema.
//
// It is @grafana/schema's `Dashboard`, tightened where the schema leaves a hole and
// loosened only where the schema and JSON disagree on spelling:
// * JSON spells an enum member by its value (`"absolute"`, not `ThresholdsMode.Absolute`):
//   `Json<T>` turns every string enum into the union of its values; unknown keys and
//   unknown values are still errors.
// * Panel targets and annotation targets are InfluxQL queries of Grafana's InfluxDB data
//   source (the schema types them as "any object" / a bare `DataQuery`).
// * The panels facmon uses get their plugin's own `options` and `fieldConfig.custom`
//   types. Both are `Partial`: Grafana fills in an option a dashboard leaves out. A panel
//   type not listed in `FacmonPanel` is an error: add its plugin's types here first.
// * A query variable may keep the `definition` Grafana writes beside its `query` (the
//   text shown in the variables list), which the schema lacks.

import type {
  AnnotationQuery,
  Dashboard,
  DataQuery,
  FieldConfigSource,
  Panel,
  RowPanel,
  VariableModel,
} from '@grafana/schema';
import type * as BarGauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type * as Stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as StateTimeline from '@grafana/schema/dist/esm/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';
import type * as Table from '@grafana/schema/dist/esm/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/** A TypeScript type as JSON spells it: string enums become the union of their values. */
type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

/** A raw InfluxQL query, as Grafana's InfluxDB data source stores it (its `InfluxQuery`). */
interface InfluxQuery extends DataQuery {
  rawQuery: true;
  query: string;
  resultFormat?: 'time_series' | 'table' | 'logs';
  alias?: string;
  // Annotations only: which result columns make the event.
  fromAnnotations?: boolean;
  textColumn?: string;
  tagsColumn?: string;
  titleColumn?: string;
  timeEndColumn?: string;
}

/** A panel of one plugin: its `type`, its options and its field config. */
type PanelOf<Type extends string, Options, Custom> = Omit<Panel, 'type' | 'options' | 'fieldConfig' | 'targets'> & {
  type: Type;
  options?: Partial<Options>;
  fieldConfig?: {
    defaults: Omit<NonNullable<Panel['fieldConfig']>['defaults'], 'custom'> & { custom?: Partial<Custom> };
    overrides: FieldConfigSource['overrides'];
  };
  targets?: InfluxQuery[];
};

type FacmonPanel =
  | PanelOf<'timeseries', TimeSeries.Options, TimeSeries.FieldConfig>
  | PanelOf<'state-timeline', StateTimeline.Options, StateTimeline.FieldConfig>
  | PanelOf<'table', Table.Options, Table.FieldConfig>
  | PanelOf<'stat', Stat.Options, Record<string, never>>
  | PanelOf<'bargauge', BarGauge.Options, Record<string, never>>;

type FacmonRow = Omit<RowPanel, 'panels'> & { panels: FacmonPanel[] };

export type FacmonDashboard = Json<
  Omit<Dashboard, 'panels' | 'annotations' | 'templating'> & {
    panels?: Array<FacmonPanel | FacmonRow>;
    annotations?: { list?: Array<AnnotationQuery<InfluxQuery> | Omit<AnnotationQuery, 'target'>> };
    templating?: { list?: Array<VariableModel & { definition?: string }> };
  }
>;
